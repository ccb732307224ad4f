import * as admin from '../features/admin/messages';
import * as auth from '../features/auth/messages';
import * as board from '../features/board/messages';
import * as critical from '../features/critical/messages';
import * as patientPortal from '../features/patient-portal/messages';
import * as reading from '../features/reading/messages';
import * as referrals from '../features/referrals/messages';

import type { FeatureDictionary } from '../i18n/i18n';

// Each screen area keeps its own messages beside its code (their keys join MessageKey there); the shell hands them
// to I18nProvider, so that i18n imports nothing from the features. The type refuses an area left out here.
const featureZh = {
  ...referrals.zh,
  ...reading.zh,
  ...board.zh,
  ...admin.zh,
  ...patientPortal.zh,
  ...auth.zh,
  ...critical.zh,
};

const featureEn: Record<keyof typeof featureZh, string> = {
  ...referrals.en,
  ...reading.en,
  ...board.en,
  ...admin.en,
  ...patientPortal.en,
  ...auth.en,
  ...critical.en,
};

export const FEATURE_MESSAGES: FeatureDictionary = { zh: featureZh, en: featureEn };
