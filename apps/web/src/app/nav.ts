import type { MessageKey } from '../i18n/i18n';
import type { Role } from '../lib/session';

export interface NavItem {
  to: string;
  label: MessageKey;
}

// The menu of each role. Screens that come later (referral worklists, offers, reports, plans, the
// coordinator board, user administration) add their entry here and their route in routes.tsx.
export const NAV: Record<Role, NavItem[]> = {
  community_doctor: [
    { to: '/desk/patients', label: 'nav.patients' },
    { to: '/desk/upload', label: 'nav.upload' },
    { to: '/studies', label: 'nav.studies' },
  ],
  specialist: [{ to: '/studies', label: 'nav.studies' }],
  coordinator: [
    { to: '/studies', label: 'nav.studies' },
    { to: '/desk/patients', label: 'nav.patients' },
  ],
  admin: [{ to: '/admin/facilities', label: 'nav.facilities' }],
  patient: [{ to: '/patient', label: 'nav.myDecision' }],
};
