import { useEffect, useRef } from 'react';
import { useParams } from 'react-router';
import { NotFoundPage } from '../../shared/NotFoundPage';
import { useI18n } from '../../i18n/i18n';
import { ApiError } from '../../lib/api';
import { ErrorMessage } from '../../lib/errors';
import { useAsync, usePageTitle } from '../../lib/hooks';
import { MessageThread } from '../../shared/message-thread/MessageThread';
import { getReport } from '../../shared/referrals/report';
import { useLiveReferral } from '../../shared/referrals/useLiveReferral';
import { PlanPanel } from '../../shared/treatment-plan/PlanPanel';
import { ConsentPanel } from './ConsentPanel';
import { RaiseCriticalPanel } from '../../shared/critical-results/RaiseCriticalPanel';
import '../../shared/referrals/referrals.css';
import { ReferralHeader } from './ReferralHeader';
import { ReferralActions } from './ReferralActions';
import { ReferralStudies } from './ReferralStudies';
import { ReferralReport } from './ReferralReport';
import { ReferralTimeline } from './ReferralTimeline';

export default function ReferralPage() {
  const { id = '' } = useParams();
  const { t } = useI18n();
  // The one read of the referral for the whole page: the thread and the plan panel take it from here.
  const referral = useLiveReferral(id);
  const report = useAsync((signal) => getReport(id, signal), [id]);
  const r = referral.data;
  usePageTitle('referrals.pageTitle', r?.number);

  // The report is read again only when the referral says it differs from the one shown (signed since, or
  // an addendum added), at most once per version of the referral.
  const reportStale =
    r !== undefined &&
    report.data !== undefined &&
    !report.loading &&
    (Boolean(r.report) !== Boolean(report.data?.signedAt) ||
      (r.report?.addenda ?? 0) !== (report.data?.signedAt ? report.data.addenda.length : 0));
  const reportReadFor = useRef<number>(undefined);
  useEffect(() => {
    if (!reportStale || reportReadFor.current === r.rowVersion) return;
    reportReadFor.current = r.rowVersion;
    report.reload();
  }, [reportStale, r, report]);

  if (referral.error instanceof ApiError && referral.error.status === 404) return <NotFoundPage />;
  if (!r)
    return referral.error ? (
      <section className="page">
        <ErrorMessage error={referral.error} />
      </section>
    ) : (
      <p className="loading" role="status">
        {t('common.loading')}
      </p>
    );

  return (
    <section className="page wide ref-page" data-testid="referral-page" data-state={r.state}>
      <ReferralHeader r={r} />
      <div className="ref-layout">
        <div className="ref-main">
          {/* The consent step comes before the submit button it unlocks. */}
          <ConsentPanel r={r} referral={referral} />
          <ReferralActions r={r} referral={referral} />
          <ReferralStudies r={r} referral={referral} />
          <ReferralReport referralId={id} report={report.data} error={report.error} />
          {(r.report || r.plan) && <PlanPanel referral={referral} />}
        </div>
        <aside className="ref-side">
          <div id="thread">
            {r.direction === 'up' && <RaiseCriticalPanel referralId={r.id} service={r.service} canRaise={false} />}
            <MessageThread referral={referral} canPost={r.direction === 'up'} />
          </div>
          <ReferralTimeline r={r} />
        </aside>
      </div>
    </section>
  );
}
