import { Injectable } from '@nestjs/common';
import type { PriorStudyView } from '@zhiyin/contracts';
import { studyReadScope } from '@zhiyin/workflow';
import { notFound } from '#src/common/errors.js';
import type { Actor } from '#src/common/request-context.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { ReferralsService } from '#src/modules/referrals/referrals.service.js';
import { PriorsRepository } from './priors.repository.js';

// The patient's earlier studies beside the one being read. Who may list them: whoever may read the referral; what
// they see: only the studies their study read scope reaches (while the referral is open it reaches the patient's
// priors, packages/workflow PRIOR_OPEN_STATES; once it is closed, only what they could read anyway).
@Injectable()
export class PriorsService {
  constructor(
    private readonly referrals: ReferralsService,
    private readonly repo: PriorsRepository,
    private readonly audit: AuditService,
  ) {}

  async list(actor: Actor, referralId: string): Promise<PriorStudyView[]> {
    const scope = await this.referrals.readable(actor, referralId, 'referral.priors.read');
    const priors = await this.repo.priors(referralId, studyReadScope(actor));
    await this.audit.record({
      action: 'referral.priors.read',
      resourceType: 'referral',
      resourceId: referralId,
      patientId: scope.patient_id,
      outcome: 'success',
      details: { count: priors.length },
    });
    return priors;
  }

  /**
   * The other studies of the patient of a study the caller may see (the ECG viewer's prior recording): found within
   * the caller's study read scope; 404 (audited) when the study is not in it.
   */
  async ofStudy(actor: Actor, studyUid: string): Promise<PriorStudyView[]> {
    const priors = /^[0-9.]{1,64}$/.test(studyUid)
      ? await this.repo.priorsOfStudy(studyUid, studyReadScope(actor))
      : null;
    await this.audit.record({
      action: 'study.priors.read',
      resourceType: 'study',
      outcome: priors ? 'success' : 'not_found',
      details: { studyInstanceUid: studyUid.slice(0, 64), ...(priors ? { count: priors.length } : {}) },
    });
    if (!priors) throw notFound('Study');
    return priors;
  }
}
