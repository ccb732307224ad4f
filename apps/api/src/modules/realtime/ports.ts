import type { Service } from '@zhiyin/workflow';
import type { Actor } from '#src/common/request-context.js';

// What the gateway needs from the referral module, as interfaces of its own: realtime depends on nothing in
// referrals (which publishes through realtime's outbox), and the app module binds these to the referral services.

/** Told when a reader comes online: the dispatcher may offer them waiting referrals at once. */
export interface ReaderOnline {
  kick(service: Service): void;
}
export const READER_ONLINE = Symbol('READER_ONLINE');

/** Resolves when the caller may read the referral (and so watch its room); rejects otherwise. */
export interface ReferralWatchGuard {
  readable(actor: Actor, referralId: string): Promise<unknown>;
}
export const REFERRAL_WATCH_GUARD = Symbol('REFERRAL_WATCH_GUARD');
