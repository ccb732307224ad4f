import type { MessageKey } from '../i18n/i18n';
import type { Role } from '../lib/session';

export interface NavItem {
  to: string;
  label: MessageKey;
}

// The menu of each role; each entry has its route in routes.tsx.
export const NAV: Record<Role, NavItem[]> = {
  community_doctor: [
    { to: '/desk/referrals', label: 'nav.referrals' },
    { to: '/desk/patients', label: 'nav.patients' },
    { to: '/desk/upload', label: 'nav.upload' },
    { to: '/studies', label: 'nav.studies' },
  ],
  specialist: [
    { to: '/reading', label: 'nav.worklist' },
    { to: '/studies', label: 'nav.studies' },
  ],
  coordinator: [
    { to: '/board', label: 'nav.board' },
    { to: '/critical-results', label: 'nav.criticalResults' },
    { to: '/desk/referrals', label: 'nav.referrals' },
    { to: '/figures', label: 'nav.figures' },
    { to: '/studies', label: 'nav.studies' },
    { to: '/desk/patients', label: 'nav.patients' },
  ],
  admin: [
    { to: '/admin/facilities', label: 'nav.facilities' },
    { to: '/admin/users', label: 'nav.users' },
    { to: '/admin/rosters', label: 'nav.rosters' },
    { to: '/admin/policy', label: 'nav.policy' },
    { to: '/admin/devices', label: 'nav.devices' },
    { to: '/admin/audit', label: 'nav.audit' },
    { to: '/figures', label: 'nav.figures' },
  ],
  patient: [{ to: '/patient', label: 'nav.myDecision' }],
};
