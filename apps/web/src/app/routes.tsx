import { lazy, Suspense, type ReactNode } from 'react';
import { createBrowserRouter, Navigate, Outlet, useLocation } from 'react-router';
import { useI18n } from '../i18n/i18n';
import type { Role } from '../lib/session';
import { homeOf, useAuth } from '../lib/auth';
import { Layout } from './Layout';
import { NotFoundPage } from '../shared/NotFoundPage';
import { RouteErrorPage } from './pages';
import { loadReadingPage } from './prefetch';
import { SignInPage } from '../features/auth/SignInPage';
import { PatientSignInPage } from '../features/auth/PatientSignInPage';

// Screens that are not needed to sign in are loaded on first use; the viewers carry the DICOM
// parser and drawing code, so they stay out of the first page.
const PatientsPage = lazy(() => import('../features/patients/PatientsPage'));
const PatientFormPage = lazy(() => import('../features/patients/PatientFormPage'));
const PatientDetailPage = lazy(() => import('../features/patients/PatientDetailPage'));
const UploadPage = lazy(() => import('../features/uploads/UploadPage'));
const StudiesPage = lazy(() => import('../features/studies/StudiesPage'));
const StudyPage = lazy(() => import('../features/studies/StudyPage'));
const FacilitiesPage = lazy(() => import('../features/admin/FacilitiesPage'));
const PatientHomePage = lazy(() => import('../features/patient-portal/PatientHomePage'));
const ReferralsPage = lazy(() => import('../features/referrals/ReferralsPage'));
const NewReferralPage = lazy(() => import('../features/referrals/NewReferralPage'));
const ReferralPage = lazy(() => import('../features/referrals/ReferralPage'));
const WorklistPage = lazy(() => import('../features/reading/WorklistPage'));
// A case opened from its link loads the reading page's code from the page's first module (prefetch.ts).
const ReadingPage = lazy(loadReadingPage);
const BoardPage = lazy(() => import('../features/board/BoardPage'));
const FiguresPage = lazy(() => import('../features/board/FiguresPage'));
const CriticalResultsPage = lazy(() => import('../features/critical/CriticalResultsPage'));
const UsersPage = lazy(() => import('../features/admin/UsersPage'));
const RostersPage = lazy(() => import('../features/admin/RostersPage'));
const PolicyPage = lazy(() => import('../features/admin/PolicyPage'));
const DevicesPage = lazy(() => import('../features/admin/DevicesPage'));
const AuditPage = lazy(() => import('../features/admin/AuditPage'));
const SecondFactorPage = lazy(() => import('../features/auth/SecondFactorPage'));

function Loading() {
  const { t } = useI18n();
  return (
    <p className="loading" role="status">
      {t('common.loading')}
    </p>
  );
}

/** Signed in with one of these roles, else to the right sign-in page (and back afterwards). */
function RequireRole({ roles, children }: { roles: Role[]; children: ReactNode }) {
  const { session } = useAuth();
  const location = useLocation();
  if (!session) {
    const next = encodeURIComponent(location.pathname + location.search);
    const patientArea = roles.length === 1 && roles[0] === 'patient';
    return <Navigate to={`${patientArea ? '/patient/sign-in' : '/sign-in'}?next=${next}`} replace />;
  }
  if (!roles.includes(session.user.role)) return <Navigate to={homeOf(session.user.role)} replace />;
  return <Suspense fallback={<Loading />}>{children}</Suspense>;
}

function Home() {
  const { session } = useAuth();
  return <Navigate to={session ? homeOf(session.user.role) : '/sign-in'} replace />;
}

const STAFF: Role[] = ['community_doctor', 'specialist', 'coordinator'];

export const router = createBrowserRouter([
  { path: '/sign-in', element: <SignInPage />, errorElement: <RouteErrorPage /> },
  { path: '/patient/sign-in', element: <PatientSignInPage />, errorElement: <RouteErrorPage /> },
  {
    element: <Layout />,
    errorElement: <RouteErrorPage />,
    children: [
      { index: true, element: <Home /> },
      {
        path: 'desk',
        element: (
          <RequireRole roles={['community_doctor', 'coordinator']}>
            <Outlet />
          </RequireRole>
        ),
        children: [
          { path: 'patients', element: <PatientsPage /> },
          { path: 'patients/:id', element: <PatientDetailPage /> },
          {
            path: 'patients/new',
            element: (
              <RequireRole roles={['community_doctor']}>
                <PatientFormPage />
              </RequireRole>
            ),
          },
          {
            path: 'patients/:id/edit',
            element: (
              <RequireRole roles={['community_doctor']}>
                <PatientFormPage />
              </RequireRole>
            ),
          },
          { path: 'referrals', element: <ReferralsPage /> },
          {
            path: 'referrals/new',
            element: (
              <RequireRole roles={['community_doctor']}>
                <NewReferralPage />
              </RequireRole>
            ),
          },
          {
            path: 'upload',
            element: (
              <RequireRole roles={['community_doctor']}>
                <UploadPage />
              </RequireRole>
            ),
          },
        ],
      },
      {
        path: 'studies',
        element: (
          <RequireRole roles={STAFF}>
            <StudiesPage />
          </RequireRole>
        ),
      },
      {
        path: 'studies/:studyUid',
        element: (
          <RequireRole roles={STAFF}>
            <StudyPage />
          </RequireRole>
        ),
      },
      {
        path: 'referrals/:id',
        element: (
          <RequireRole roles={STAFF}>
            <ReferralPage />
          </RequireRole>
        ),
      },
      {
        path: 'reading',
        element: (
          <RequireRole roles={['specialist']}>
            <Outlet />
          </RequireRole>
        ),
        children: [
          { index: true, element: <WorklistPage /> },
          { path: ':id', element: <ReadingPage /> },
        ],
      },
      {
        path: 'board',
        element: (
          <RequireRole roles={['coordinator']}>
            <BoardPage />
          </RequireRole>
        ),
      },
      {
        path: 'critical-results',
        element: (
          <RequireRole roles={['coordinator']}>
            <CriticalResultsPage />
          </RequireRole>
        ),
      },
      {
        path: 'figures',
        element: (
          <RequireRole roles={['coordinator', 'admin']}>
            <FiguresPage />
          </RequireRole>
        ),
      },
      {
        path: 'admin',
        element: (
          <RequireRole roles={['admin']}>
            <Outlet />
          </RequireRole>
        ),
        children: [
          { path: 'users', element: <UsersPage /> },
          { path: 'rosters', element: <RostersPage /> },
          { path: 'policy', element: <PolicyPage /> },
          { path: 'devices', element: <DevicesPage /> },
          { path: 'audit', element: <AuditPage /> },
        ],
      },
      {
        path: 'admin/facilities',
        element: (
          <RequireRole roles={['admin', 'coordinator']}>
            <FacilitiesPage />
          </RequireRole>
        ),
      },
      {
        path: 'account/two-step',
        element: (
          <RequireRole roles={[...STAFF, 'admin']}>
            <SecondFactorPage />
          </RequireRole>
        ),
      },
      {
        path: 'patient',
        element: (
          <RequireRole roles={['patient']}>
            <PatientHomePage />
          </RequireRole>
        ),
      },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
]);
