import { Injectable } from '@nestjs/common';
import { patientOverrideReason } from '@zhiyin/workflow';
import { AppError, notFound } from '#src/common/errors.js';
import type { Actor } from '#src/common/request-context.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { OutboxService } from '#src/modules/realtime/outbox.service.js';
import { acquiredAt, isReferralNumber, PatientCheckService, type PatientOverride } from './patient-check.service.js';
import { ReferralRepository } from './referral.repository.js';
import { TransitionService } from './transition.service.js';
import { ReferralsService } from './referrals.service.js';

// Studies joining a referral: attached by the referring doctor, or linked as they arrive (STOW-RS, uploads) by the
// referral they name or the Accession Number they carry, once the file's patient is shown to be the referral's.
@Injectable()
export class ReferralStudyLinksService {
  constructor(
    private readonly repo: ReferralRepository,
    private readonly transitions: TransitionService,
    private readonly outbox: OutboxService,
    private readonly audit: AuditService,
    private readonly patientCheck: PatientCheckService,
    private readonly referrals: ReferralsService,
  ) {}

  /**
   * Links a study the caller's centre sent (by its Study Instance UID) to the referral, once its patient identity
   * is shown to be the referral patient's, or the caller confirms it is with `overrideReason`.
   */
  async attachStudy(actor: Actor, id: string, studyUid: string, overrideReason?: string) {
    const reason = patientOverrideReason(overrideReason);
    await this.referrals
      .inTransition(actor, id, undefined, async (m, row) => {
        const study = await this.repo.lockStudyByUid(m, studyUid);
        if (!study || study.facility_id !== actor.facilityId) throw notFound('Study');
        if (study.referral_id === id)
          throw new AppError('CONFLICT', 'This study is already attached to this referral.');
        if (study.referral_id) throw new AppError('CONFLICT', 'This study is attached to another referral.');
        const target = await this.patientCheck.joining(actor, 'id', id, m);
        if (!target) throw notFound('Referral');
        const file = {
          studyInstanceUid: studyUid,
          patientId: study.dicom_patient_id,
          name: study.patient_name,
          sex: study.patient_sex,
          birthDate: study.patient_birth_date,
          acquiredAt: acquiredAt(study.study_date, study.study_time),
        };
        const match = this.patientCheck.compare(file, target);
        if (match.held && !reason) throw this.patientCheck.refusal(this.patientCheck.details(file, target, match));
        if (!match.held && study.patient_id && study.patient_id !== row.snapshot.patientId) {
          throw new AppError('CONFLICT', 'This study belongs to another patient.');
        }
        const applied = await this.transitions.apply(m, row, { type: 'attach_study' }, actor, { studyId: study.id });
        // Filed under the referral's patient: the study page and the patient's page find it there.
        await this.repo.linkStudy(m, study.id, id, row.snapshot.patientId);
        if (match.held && reason)
          await this.patientCheck.recordOverride(m, actor, study.id, target, { reason, differing: match.differing });
        return applied.next.service;
      })
      .catch(async (err: unknown) => {
        // A held study is a refused write about this patient: audited (field names only), then answered.
        if (err instanceof AppError && err.code === 'PATIENT_MISMATCH') {
          const d = err.details as { differing?: string[]; verdict?: string } | undefined;
          await this.audit.record({
            action: 'referral.attach_study',
            resourceType: 'referral',
            resourceId: id,
            outcome: 'denied',
            details: { reason: 'PATIENT_MISMATCH', verdict: d?.verdict, differing: d?.differing },
          });
        }
        throw err;
      });
    return this.referrals.get(actor, id, false);
  }

  /**
   * Links a study sent by STOW-RS or an upload whose Accession Number is a referral number of the
   * same centre (the referral number is the Accession Number). Quietly does nothing otherwise.
   */
  async linkByAccession(
    actor: Actor,
    studyId: string,
    accession: string | null,
    override?: PatientOverride,
  ): Promise<void> {
    if (!accession || !isReferralNumber(accession)) return;
    await this.link(actor, studyId, 'number', accession, override);
  }

  /** Links a study uploaded for a referral (the upload named it); quietly does nothing when it may not. */
  async linkToReferral(actor: Actor, studyId: string, referralId: string, override?: PatientOverride): Promise<void> {
    await this.link(actor, studyId, 'id', referralId, override);
  }

  /** 404 unless the caller's centre may add studies to this open referral (checked when an upload names it). */
  async assertTakesUploads(actor: Actor, referralId: string): Promise<void> {
    if (!(await this.repo.openOfCentre(undefined, actor.facilityId, 'id', referralId))) throw notFound('Referral');
  }

  private async link(
    actor: Actor,
    studyId: string,
    by: 'id' | 'number',
    value: string,
    override?: PatientOverride,
  ): Promise<void> {
    await this.repo.inTransaction(async (m) => {
      const refId = await this.repo.openOfCentre(m, actor.facilityId, by, value);
      const study = await this.repo.lockStudyLink(m, studyId);
      if (!refId || !study || study.referral_id) return;
      const row = await this.transitions.lock(m, refId);
      if (!row) return;
      // A study of another patient is never linked quietly: the ingest held it unless the sender confirmed it.
      if (!override && study.patient_id && study.patient_id !== row.snapshot.patientId) return;
      try {
        await this.transitions.apply(m, row, { type: 'attach_study' }, actor, { studyId });
      } catch {
        return; // the referral's state does not take studies now: leave the study unlinked
      }
      // Filed under the referral's patient: the study page and the patient's page find it there.
      await this.repo.linkStudy(m, studyId, refId, row.snapshot.patientId);
      if (override)
        await this.patientCheck.recordOverride(
          m,
          actor,
          studyId,
          { referralId: refId, patientId: row.snapshot.patientId },
          override,
        );
    });
    this.outbox.kick();
  }
}
