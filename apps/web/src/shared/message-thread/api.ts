import { api } from '../../lib/api';
import type { Role } from '../../lib/session';
import { referralPath } from '../referrals/api';

// The doctors' messages on a referral (GET/POST /api/referrals/:id/messages).

export interface Message {
  id: string;
  kind: 'message' | 'question' | 'answer';
  body: string;
  createdAt: string;
  authorId: string;
  authorRole: Role;
  authorNameZh?: string;
  authorNameEn?: string;
}

export const getMessages = (id: string, signal?: AbortSignal) =>
  api<Message[]>(`${referralPath(id)}/messages`, { signal });

export const postMessage = (id: string, body: string) =>
  api<Message>(`${referralPath(id)}/messages`, { method: 'POST', body: { body } });
