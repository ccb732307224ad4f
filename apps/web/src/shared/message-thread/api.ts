import type { ReferralMessageView } from '@zhiyin/contracts';
import { api } from '../../lib/api';
import { referralPath } from '../referrals/api';

// The doctors' messages on a referral (GET/POST /api/referrals/:id/messages).

export const getMessages = (id: string, signal?: AbortSignal) =>
  api<ReferralMessageView[]>(`${referralPath(id)}/messages`, { signal });

export const postMessage = (id: string, body: string) =>
  api<ReferralMessageView>(`${referralPath(id)}/messages`, { method: 'POST', body: { body } });
