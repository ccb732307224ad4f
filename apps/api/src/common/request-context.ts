import { AsyncLocalStorage } from 'node:async_hooks';

export const ROLES = ['community_doctor', 'specialist', 'coordinator', 'admin', 'patient'] as const;
export type Role = (typeof ROLES)[number];
export const SPECIALTIES = ['radiology', 'cardiology'] as const;
export type Specialty = (typeof SPECIALTIES)[number];

/** Who is calling, as proven by a verified access token. */
export interface Actor {
  /** user id, or the patient id for role `patient` */
  id: string;
  role: Role;
  facilityId: string | null;
  specialty: Specialty | null;
  readingCentreId: string | null;
  sessionId: string | null;
  /** a DICOM device (a registered AE) acting with its centre's scope; `id` is then its registration, not a user */
  device?: { aeTitle: string };
}

export interface RequestContext {
  requestId: string;
  clientIp: string | null;
  actor: Actor | null;
}

const storage = new AsyncLocalStorage<RequestContext>();

export const requestContext = {
  run<T>(ctx: RequestContext, fn: () => T): T {
    return storage.run(ctx, fn);
  },
  get(): RequestContext | undefined {
    return storage.getStore();
  },
  setActor(actor: Actor): void {
    const ctx = storage.getStore();
    if (ctx) ctx.actor = actor;
  },
};
