import { Injectable } from '@nestjs/common';
import {
  CONSENT_FORM_MAX_BYTES,
  CONSENT_FORM_MEDIA_TYPES,
  type ConsentFormMediaType,
  type ConsentView,
} from '@zhiyin/contracts';
import { createHash } from 'node:crypto';
import { AppError, notFound } from '#src/common/errors.js';
import type { Actor } from '#src/common/request-context.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { ConsentRepository, type ConsentRecord } from './consent.repository.js';
import type { VerbalConsentDto } from './dto.js';
import { ReferralsService } from './referrals.service.js';
import { TransitionService } from './transition.service.js';

// A phone clock a little ahead of the server's is not a consent "in the future".
const CLOCK_SKEW_MS = 5 * 60 * 1000;

/** The first bytes each accepted file type starts with: the declared type must be the real one. */
const SIGNATURES: Record<ConsentFormMediaType, number[]> = {
  'image/jpeg': [0xff, 0xd8, 0xff],
  'image/png': [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
  'application/pdf': [0x25, 0x50, 0x44, 0x46, 0x2d],
};

/** The media type of a Content-Type header, when it is one a consent form may be. */
export function consentMediaType(contentType: string | undefined): ConsentFormMediaType | null {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return (CONSENT_FORM_MEDIA_TYPES as readonly string[]).includes(type) ? (type as ConsentFormMediaType) : null;
}

// The patient's consent to remote diagnosis, recorded on a draft referral by its centre's doctor (the referral
// rules refuse to submit without it), and read by everyone who may read the referral.
@Injectable()
export class ConsentService {
  constructor(
    private readonly referrals: ReferralsService,
    private readonly transitions: TransitionService,
    private readonly repo: ConsentRepository,
    private readonly audit: AuditService,
  ) {}

  async recordVerbal(actor: Actor, id: string, dto: VerbalConsentDto): Promise<ConsentView> {
    const witnessName = dto.witnessName.trim();
    if (!witnessName)
      throw new AppError('VALIDATION_FAILED', 'Name the witness.', { fields: ['witnessName'], reason: 'no_witness' });
    const consentedAt = new Date(dto.consentedAt);
    if (consentedAt.getTime() > this.transitions.now().getTime() + CLOCK_SKEW_MS)
      throw new AppError('VALIDATION_FAILED', 'The time of consent is in the future.', {
        fields: ['consentedAt'],
        reason: 'consent_in_future',
      });
    return this.record(actor, id, { kind: 'verbal', witnessName, consentedAt: consentedAt.toISOString() });
  }

  async recordForm(actor: Actor, id: string, contentType: string | undefined, data: Buffer): Promise<ConsentView> {
    const mediaType = consentMediaType(contentType);
    if (!mediaType)
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Upload the signed form as a JPEG, PNG or PDF file.', {
        accepted: CONSENT_FORM_MEDIA_TYPES,
      });
    if (data.length === 0)
      throw new AppError('VALIDATION_FAILED', 'The file is empty.', { reason: 'empty_consent_form' });
    if (data.length > CONSENT_FORM_MAX_BYTES)
      throw new AppError('PAYLOAD_TOO_LARGE', 'The file is larger than 10 MB.', { limitBytes: CONSENT_FORM_MAX_BYTES });
    if (!SIGNATURES[mediaType].every((b, i) => data[i] === b))
      throw new AppError('VALIDATION_FAILED', `The file is not a ${mediaType} file.`, {
        reason: 'consent_form_type_mismatch',
      });
    const sha256 = createHash('sha256').update(data).digest('hex');
    return this.record(actor, id, { kind: 'form', data, mediaType, sha256 });
  }

  /** The consent record as the referral's readers see it; null when none is recorded. Audited. */
  async view(actor: Actor, id: string): Promise<ConsentView | null> {
    const scope = await this.referrals.readable(actor, id, 'referral.consent.read');
    const view = await this.repo.view(id);
    await this.audit.record({
      action: 'referral.consent.read',
      resourceType: 'referral',
      resourceId: id,
      patientId: scope.patient_id,
      outcome: 'success',
    });
    return view;
  }

  /** The signed form's file, for those who may read the referral (404 otherwise, and when consent was verbal). */
  async form(actor: Actor, id: string): Promise<{ data: Buffer; mediaType: ConsentFormMediaType }> {
    const scope = await this.referrals.readable(actor, id, 'referral.consent.form.read');
    const form = await this.repo.form(id);
    await this.audit.record({
      action: 'referral.consent.form.read',
      resourceType: 'referral',
      resourceId: id,
      patientId: scope.patient_id,
      outcome: form ? 'success' : 'not_found',
    });
    if (!form) throw notFound('Consent form');
    return form;
  }

  private async record(actor: Actor, id: string, c: ConsentRecord): Promise<ConsentView> {
    try {
      await this.referrals.inTransition(actor, id, undefined, async (m, row) => {
        // The rules decide who may record it and when (the referring centre, while a draft).
        await this.transitions.apply(m, row, { type: 'update_draft', hasConsent: true }, actor, { consent: c.kind });
        await this.repo.save(m, id, actor.id, c);
        await this.audit.record(
          {
            action: 'referral.consent.record',
            resourceType: 'referral',
            resourceId: id,
            patientId: row.snapshot.patientId,
            outcome: 'success',
            details: { kind: c.kind, ...(c.kind === 'form' ? { mediaType: c.mediaType, sha256: c.sha256 } : {}) },
          },
          m,
        );
        return undefined;
      });
    } catch (err) {
      await this.audit.record({
        action: 'referral.consent.record',
        resourceType: 'referral',
        resourceId: id,
        outcome: err instanceof AppError && err.code === 'NOT_FOUND' ? 'not_found' : 'failed',
      });
      throw err;
    }
    const view = await this.repo.view(id);
    if (!view) throw notFound('Consent');
    return view;
  }
}
