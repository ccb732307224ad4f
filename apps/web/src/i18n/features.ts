import * as admin from '../features/admin/messages';
import * as auth from '../features/auth/messages';
import * as board from '../features/board/messages';
import * as critical from '../features/critical/messages';
import * as patientPortal from '../features/patient-portal/messages';
import * as reading from '../features/reading/messages';
import * as referrals from '../features/referrals/messages';

// Each screen area keeps its own messages beside its code; they join the common dictionary here.
export const featureZh = {
  ...referrals.zh,
  ...reading.zh,
  ...board.zh,
  ...admin.zh,
  ...patientPortal.zh,
  ...auth.zh,
  ...critical.zh,
};

export const featureEn: Record<keyof typeof featureZh, string> = {
  ...referrals.en,
  ...reading.en,
  ...board.en,
  ...admin.en,
  ...patientPortal.en,
  ...auth.en,
  ...critical.en,
};
