import type {
  EnrolledSessionView,
  RecoveryCodesView,
  SecondFactorChallenge,
  SecondFactorStatus,
  SessionView,
  TotpEnrolment,
} from '@zhiyin/contracts';
import { api } from '../../lib/api';

// The second factor's API calls (apps/api/src/modules/auth/second-factor.controller.ts).

export type { SecondFactorChallenge, SecondFactorStatus, TotpEnrolment };

/** Second step of a sign-in: a code from the authenticator app, or a recovery code. */
export const verifySecondFactor = (challengeToken: string, code: string) =>
  api<SessionView>('/api/auth/second-factor/verify', {
    method: 'POST',
    body: { challengeToken, code },
    auth: false,
  });

/** Set-up during sign-in, when the role requires a second factor the user does not have yet. */
export const startChallengeEnrolment = (challengeToken: string) =>
  api<TotpEnrolment>('/api/auth/second-factor/challenge-enrolment', {
    method: 'POST',
    body: { challengeToken },
    auth: false,
  });

export const confirmChallengeEnrolment = (challengeToken: string, code: string) =>
  api<EnrolledSessionView>('/api/auth/second-factor/challenge-enrolment/confirm', {
    method: 'POST',
    body: { challengeToken, code },
    auth: false,
  });

/** A signed-in user's own second factor. */
export const secondFactorStatus = () => api<SecondFactorStatus>('/api/auth/second-factor');
export const startEnrolment = () => api<TotpEnrolment>('/api/auth/second-factor/enrolment', { method: 'POST' });
export const confirmEnrolment = (code: string) =>
  api<RecoveryCodesView>('/api/auth/second-factor/enrolment/confirm', { method: 'POST', body: { code } });
export const disableSecondFactor = (code: string) =>
  api<void>('/api/auth/second-factor/disable', { method: 'POST', body: { code } });
export const renewRecoveryCodes = (code: string) =>
  api<RecoveryCodesView>('/api/auth/second-factor/recovery-codes', { method: 'POST', body: { code } });
