import { Injectable } from '@nestjs/common';
import type { StudyFiling } from '@zhiyin/contracts';
import { formatPersonName } from '@zhiyin/dicom';
import { comparePatientIdentity, studyReadScope } from '@zhiyin/workflow';
import { notFound } from '#src/common/errors.js';
import type { Actor } from '#src/common/request-context.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { ImagingRepository } from './imaging.repository.js';

const isoDate = (d: string | null) =>
  d && /^\d{8}$/.test(d) ? `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}` : d;

/**
 * Whose a study is on file: the patient record it was filed under when it joined a referral (whatever name its file
 * carries, even "Anonymous"), that referral, and the file's own identity beside it. Read within the reader's scope;
 * 404 outside it, audited either way.
 */
@Injectable()
export class StudyFilingService {
  constructor(
    private readonly repo: ImagingRepository,
    private readonly audit: AuditService,
  ) {}

  async filing(actor: Actor, studyUid: string): Promise<StudyFiling> {
    const row = await this.repo.filing(studyUid, studyReadScope(actor));
    if (!row || !row.readable) {
      await this.audit.record({
        action: 'study.filing.read',
        resourceType: 'study',
        resourceId: row?.study_id ?? null,
        outcome: row ? 'denied' : 'not_found',
        details: { studyInstanceUid: studyUid.slice(0, 64) },
      });
      throw notFound('Study');
    }
    await this.audit.record({
      action: 'study.filing.read',
      resourceType: 'study',
      resourceId: row.study_id,
      patientId: row.patient_id,
      outcome: 'success',
    });
    const file = {
      patientId: row.dicom_patient_id,
      name: row.patient_name,
      sex: row.patient_sex,
      birthDate: row.patient_birth_date,
    };
    const patient =
      row.patient_id && row.mrn
        ? {
            id: row.patient_id,
            mrn: row.mrn,
            nameZh: row.name_zh ?? '',
            namePinyin: row.name_pinyin ?? '',
            sex: row.sex ?? 'U',
            birthDate: row.birth_date ?? '',
          }
        : null;
    const match = patient
      ? comparePatientIdentity(file, {
          mrn: patient.mrn,
          familyNameZh: patient.nameZh,
          givenNameZh: '',
          namePinyin: patient.namePinyin,
          sex: patient.sex,
          birthDate: patient.birthDate,
        })
      : null;
    return {
      studyInstanceUid: row.study_instance_uid,
      patient,
      referral: row.referral_id && row.referral_number ? { id: row.referral_id, number: row.referral_number } : null,
      filePatient: {
        patientId: row.dicom_patient_id,
        name: row.patient_name ? formatPersonName(row.patient_name) || null : null,
        sex: row.patient_sex,
        birthDate: isoDate(row.patient_birth_date),
      },
      identity: match ? { verdict: match.verdict, differing: match.differing } : null,
    };
  }
}
