import { Injectable } from '@nestjs/common';
import { KEY_IMAGE_MAX_PER_REFERRAL, type KeyImageView } from '@zhiyin/contracts';
import { AppError, notFound } from '#src/common/errors.js';
import type { Actor } from '#src/common/request-context.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { ReferralsService } from '#src/modules/referrals/referrals.service.js';
import type { ReferralRow } from '#src/modules/referrals/transition.service.js';
import type { MarkKeyImageDto } from './dto.js';
import { KeyImagesRepository } from './key-images.repository.js';

/** The referral's transaction, as ReferralsService.inTransition hands it to its work. */
type Tx = Parameters<Parameters<ReferralsService['inTransition']>[3]>[0];

// The states in which the reader writes the report, and so may mark key images for it.
const READING_STATES = ['accepted', 'in_review', 'info_requested'];

/** The outcome of an audited write that failed, from its error. */
const failure = (err: unknown) =>
  err instanceof AppError && err.code === 'NOT_FOUND'
    ? 'not_found'
    : err instanceof AppError && err.code === 'FORBIDDEN'
      ? 'denied'
      : 'failed';

// Key images are part of the report: the reader reading the referral marks them (with the measurements made on them)
// while the report is a draft; once it is signed they are fixed, like the report. Everyone who may read the referral
// lists them. Every write and every read of the list is audited.
@Injectable()
export class KeyImagesService {
  constructor(
    private readonly referrals: ReferralsService,
    private readonly repo: KeyImagesRepository,
    private readonly audit: AuditService,
  ) {}

  async list(actor: Actor, referralId: string): Promise<KeyImageView[]> {
    const scope = await this.referrals.readable(actor, referralId, 'referral.key_images.read');
    const list = await this.repo.list(referralId);
    await this.audit.record({
      action: 'referral.key_images.read',
      resourceType: 'referral',
      resourceId: referralId,
      patientId: scope.patient_id,
      outcome: 'success',
      details: { count: list.length },
    });
    return list;
  }

  /** Marks a frame of the referral's studies; marking it again replaces its measurements. */
  async mark(
    actor: Actor,
    referralId: string,
    dto: MarkKeyImageDto,
  ): Promise<{ view: KeyImageView; created: boolean }> {
    let result: { id: string; created: boolean } | undefined;
    await this.write(actor, referralId, 'referral.key_image.mark', async (m, row) => {
      const instance = await this.repo.instanceOfReferral(m, referralId, dto);
      // An image of another referral's study, or of none, is "not found" here whether or not it exists elsewhere.
      if (!instance || !instance.hasPixels) throw notFound('Image');
      if (dto.frame > instance.frames) throw notFound('Frame');
      if (
        !(await this.repo.exists(m, referralId, instance.id, dto.frame)) &&
        (await this.repo.count(m, referralId)) >= KEY_IMAGE_MAX_PER_REFERRAL
      )
        throw new AppError('CONFLICT', `A report holds at most ${KEY_IMAGE_MAX_PER_REFERRAL} key images.`, {
          reason: 'too_many_key_images',
          limit: KEY_IMAGE_MAX_PER_REFERRAL,
        });
      result = await this.repo.upsert(m, {
        referralId,
        instanceId: instance.id,
        frame: dto.frame,
        measurements: dto.measurements.map((x) => ({ kind: x.kind, label: x.label.trim(), value: x.value.trim() })),
        userId: actor.id,
      });
      return {
        patientId: row.snapshot.patientId,
        details: {
          keyImageId: result.id,
          sopInstanceUid: dto.sopInstanceUid,
          frame: dto.frame,
          measurements: dto.measurements.length,
          created: result.created,
        },
      };
    });
    const view = await this.repo.one(referralId, result!.id);
    if (!view) throw notFound('Key image');
    return { view, created: result!.created };
  }

  async remove(actor: Actor, referralId: string, keyImageId: string): Promise<void> {
    await this.write(actor, referralId, 'referral.key_image.remove', async (m, row) => {
      if (!(await this.repo.remove(m, referralId, keyImageId))) throw notFound('Key image');
      return { patientId: row.snapshot.patientId, details: { keyImageId } };
    });
  }

  /**
   * A write under the referral's lock: only its assigned reader (403 for the others who may see it, 404 for those
   * who may not), only while the report is an unsigned draft (409 `STALE_STATE`, reason `report_signed`). Audited
   * with the work's details when it succeeds, and with the outcome when it is refused.
   */
  private async write(
    actor: Actor,
    referralId: string,
    action: string,
    work: (m: Tx, row: ReferralRow) => Promise<{ patientId: string; details: Record<string, unknown> }>,
  ): Promise<void> {
    let patientId: string | undefined;
    try {
      await this.referrals.inTransition(actor, referralId, undefined, async (m, row) => {
        const s = row.snapshot;
        patientId = s.patientId;
        if (s.assigneeId !== actor.id)
          throw new AppError('FORBIDDEN', 'Only the specialist reading this referral marks its key images.');
        if (s.report)
          throw new AppError('STALE_STATE', 'The report is signed; its key images can no longer change.', {
            reason: 'report_signed',
          });
        if (!READING_STATES.includes(s.state))
          throw new AppError('STALE_STATE', 'Accept the referral before marking key images.', { state: s.state });
        const done = await work(m, row);
        await this.audit.record(
          {
            action,
            resourceType: 'referral',
            resourceId: referralId,
            patientId: done.patientId,
            outcome: 'success',
            details: done.details,
          },
          m,
        );
        return undefined;
      });
    } catch (err) {
      await this.audit.record({
        action,
        resourceType: 'referral',
        resourceId: referralId,
        patientId: patientId ?? null,
        outcome: failure(err),
        details: err instanceof AppError ? { code: err.code } : {},
      });
      throw err;
    }
  }
}
