import { Inject, Injectable } from '@nestjs/common';
import { AppError, notFound } from '#src/common/errors.js';
import type { Actor } from '#src/common/request-context.js';
import { APP_CONFIG, type AppConfig } from '#src/config/app-config.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { hashToken } from '#src/modules/auth/token.service.js';
import { ClinicalService } from './clinical.service.js';
import { renderPatientSheet } from './patient-sheet.js';
import { PatientSheetRepository } from './patient-sheet.repository.js';

/**
 * Printing the patient sheet for a code just issued. Only a hash of the code is stored, so the doctor's
 * browser sends back the code it was shown; the sheet is printed only when that code is the patient's
 * live one (a revoked or mistyped code would give the patient a sheet that opens nothing).
 */
@Injectable()
export class PatientSheetService {
  constructor(
    private readonly repo: PatientSheetRepository,
    private readonly clinical: ClinicalService,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async render(actor: Actor, patientId: string, rawCode: string, origin: string): Promise<Buffer> {
    const patient = await this.repo.patient(patientId);
    // The patient's own centre issues codes and prints the sheet, as for issuing (deny by default).
    if (!patient || actor.role !== 'community_doctor' || patient.homeFacilityId !== actor.facilityId) {
      await this.audit.record({
        action: 'patient.access_code.sheet',
        resourceType: 'patient',
        resourceId: patientId,
        outcome: 'not_found',
      });
      throw notFound('Patient');
    }
    // The same normalisation as signing in: capitals, the hyphen and spaces ignored.
    const normalised = rawCode.toUpperCase().replace(/[^0-9A-Z]/g, '');
    const expiresAt =
      normalised.length === 10 ? await this.repo.liveCodeExpiry(patientId, hashToken(normalised)) : null;
    if (!expiresAt) {
      await this.audit.record({
        action: 'patient.access_code.sheet',
        resourceType: 'patient',
        resourceId: patientId,
        patientId,
        outcome: 'failed',
        details: { reason: 'code_not_current' },
      });
      throw new AppError('VALIDATION_FAILED', 'This is not the patient’s current access code. Issue a new one.', {
        fields: ['code'],
        reason: 'code_not_current',
      });
    }
    const found = await this.clinical.decisionOf(patientId);
    const body = await renderPatientSheet({
      patient: { name: patient.name, pinyin: patient.pinyin },
      centre: patient.centre,
      code: `${normalised.slice(0, 5)}-${normalised.slice(5)}`,
      expiresAt: expiresAt.toISOString(),
      signInUrl: `${origin}/patient/sign-in`,
      decision: found.decision,
      decisionBeingRevised: found.beingRevised,
      timeZone: this.config.timeZone,
    });
    await this.audit.record({
      action: 'patient.access_code.sheet',
      resourceType: 'patient',
      resourceId: patientId,
      patientId,
      outcome: 'success',
      details: { decision: found.decision ? found.decision.referralId : null },
    });
    return body;
  }
}
