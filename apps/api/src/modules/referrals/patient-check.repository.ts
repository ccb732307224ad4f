import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { PatientOverrideView } from '@zhiyin/contracts';
import type { PersonName } from '@zhiyin/dicom';
import type { DataSource, EntityManager } from 'typeorm';

/** A study of a referral with its file's identity, first series, first instance's recording time and centre. */
export interface StudyRow {
  study_instance_uid: string;
  modalities: string[];
  series_count: number;
  instance_count: number;
  study_date: string | null;
  study_time: string | null;
  study_description: string | null;
  dicom_patient_id: string | null;
  patient_name: PersonName | null;
  patient_sex: string | null;
  patient_birth_date: string | null;
  patient_override: Omit<PatientOverrideView, 'byName'> | null;
  override_by_name: string | null;
  facility_id: string;
  facility_name_zh: string;
  facility_name_en: string;
  series_meta: Record<string, { Value?: unknown[] }> | null;
  acquired: string | null;
}

/** An open referral of a centre with its patient record, as the patient check reads it. */
export interface OpenReferralPatientRow {
  id: string;
  number: string;
  patient_id: string;
  mrn: string;
  family_name_zh: string;
  given_name_zh: string;
  name_pinyin: string | null;
  sex: string;
  birth_date: string;
}

// The patient check's reads and its one write (the override kept on a study's link).
@Injectable()
export class PatientCheckRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** The centre's open referral with this id or number, with its patient record. */
  async openReferralPatient(
    m: EntityManager = this.ds.manager,
    facilityId: string | null,
    by: 'id' | 'number',
    value: string,
  ): Promise<OpenReferralPatientRow | undefined> {
    const [r] = await m.query<OpenReferralPatientRow[]>(
      `SELECT r.id, r.number, r.patient_id, p.mrn, p.family_name_zh, p.given_name_zh, p.name_pinyin, p.sex,
              p.birth_date::text AS birth_date
         FROM referral r JOIN patient p ON p.id = r.patient_id
        WHERE ${by === 'id' ? 'r.id = $1::uuid' : 'r.number = $1'} AND r.origin_facility_id = $2
          AND r.state NOT IN ('closed', 'cancelled')`,
      [value, facilityId],
    );
    return r;
  }

  /** The studies of a referral, oldest first. */
  async studyRows(referralId: string): Promise<StudyRow[]> {
    return this.ds.query<StudyRow[]>(
      `SELECT st.study_instance_uid, st.modalities, st.series_count, st.instance_count, st.study_date::text AS study_date,
              st.study_time, st.study_description, st.dicom_patient_id, st.patient_name, st.patient_sex,
              st.patient_birth_date, st.patient_override, u.display_name_zh AS override_by_name,
              f.id AS facility_id, f.name_zh AS facility_name_zh, f.name_en AS facility_name_en,
              se.metadata AS series_meta, ins.acquired AS acquired
         FROM study st JOIN facility f ON f.id = st.facility_id
         LEFT JOIN LATERAL (SELECT metadata FROM series WHERE study_id = st.id
                             ORDER BY series_number NULLS LAST, created_at LIMIT 1) se ON true
         LEFT JOIN LATERAL (SELECT COALESCE(metadata -> '0008002A' -> 'Value' ->> 0,
                                            (metadata -> '00080022' -> 'Value' ->> 0) || COALESCE(metadata -> '00080032' -> 'Value' ->> 0, ''))
                                   AS acquired
                              FROM instance WHERE study_id = st.id ORDER BY created_at LIMIT 1) ins ON true
         LEFT JOIN app_user u ON u.id::text = st.patient_override ->> 'by'
        WHERE st.referral_id = $1 ORDER BY st.created_at`,
      [referralId],
    );
  }

  /** Keeps an override on the study's link, in the linking transaction. */
  async setOverride(m: EntityManager, studyId: string, view: Omit<PatientOverrideView, 'byName'>): Promise<void> {
    await m.query('UPDATE study SET patient_override = $2 WHERE id = $1', [studyId, JSON.stringify(view)]);
  }
}
