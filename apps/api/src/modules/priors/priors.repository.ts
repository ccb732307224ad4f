import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { PriorStudyView } from '@zhiyin/contracts';
import type { StudyReadScope } from '@zhiyin/workflow';
import type { DataSource } from 'typeorm';
import { placeholders, studyScopeFilter } from '#src/modules/imaging/imaging.repository.js';

interface PriorRow {
  study_instance_uid: string;
  study_date: string | null;
  modalities: string[];
  study_description: string | null;
  name_zh: string;
  name_en: string;
  referral_number: string | null;
}

// A patient's other studies are many at most a few dozen; a list longer than this is cut (the newest kept).
const MAX_PRIORS = 100;

// The referral patient's other studies, wherever in the network they were made.
@Injectable()
export class PriorsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * The studies filed under the referral's patient that are not linked to this referral, newest first, within the
   * reader's study read scope (the same filter as every DICOMweb read, so a prior listed is a prior that opens).
   */
  async priors(referralId: string, scope: StudyReadScope): Promise<PriorStudyView[]> {
    if (scope.kind === 'none') return [];
    const params: unknown[] = [];
    const param = placeholders(params);
    const rows = await this.ds.query<PriorRow[]>(
      `SELECT st.study_instance_uid, st.study_date::text AS study_date, st.modalities, st.study_description,
              f.name_zh, f.name_en, sr.number AS referral_number
         FROM referral r JOIN study st ON st.patient_id = r.patient_id JOIN facility f ON f.id = st.facility_id
         LEFT JOIN referral sr ON sr.id = st.referral_id
        WHERE r.id = ${param(referralId)} AND st.referral_id IS DISTINCT FROM r.id AND ${studyScopeFilter(scope, param)}
        ORDER BY st.study_date DESC NULLS LAST, st.created_at DESC, st.id
        LIMIT ${MAX_PRIORS}`,
      params,
    );
    return rows.map(view);
  }

  /**
   * The other studies filed under the patient of a study the reader may see (the study's own referral's other
   * studies left out), newest first, within the reader's scope; null when the study is not within it.
   */
  async priorsOfStudy(studyUid: string, scope: StudyReadScope): Promise<PriorStudyView[] | null> {
    if (scope.kind === 'none') return null;
    const params: unknown[] = [];
    const param = placeholders(params);
    const [current] = await this.ds.query<{ id: string; patient_id: string | null; referral_id: string | null }[]>(
      `SELECT st.id, st.patient_id, st.referral_id FROM study st
        WHERE st.study_instance_uid = ${param(studyUid)} AND ${studyScopeFilter(scope, param)}`,
      params,
    );
    if (!current) return null;
    if (!current.patient_id) return [];
    const more: unknown[] = [];
    const p = placeholders(more);
    const rows = await this.ds.query<PriorRow[]>(
      `SELECT st.study_instance_uid, st.study_date::text AS study_date, st.modalities, st.study_description,
              f.name_zh, f.name_en, sr.number AS referral_number
         FROM study st JOIN facility f ON f.id = st.facility_id LEFT JOIN referral sr ON sr.id = st.referral_id
        WHERE st.patient_id = ${p(current.patient_id)}::uuid AND st.id <> ${p(current.id)}::uuid
          AND (${p(current.referral_id)}::uuid IS NULL OR st.referral_id IS DISTINCT FROM ${p(current.referral_id)}::uuid)
          AND ${studyScopeFilter(scope, p)}
        ORDER BY st.study_date DESC NULLS LAST, st.created_at DESC, st.id
        LIMIT ${MAX_PRIORS}`,
      more,
    );
    return rows.map(view);
  }
}

const view = (r: PriorRow): PriorStudyView => ({
  studyInstanceUid: r.study_instance_uid,
  studyDate: r.study_date,
  modalities: r.modalities,
  description: r.study_description,
  centreName: r.name_zh,
  centreNameEn: r.name_en,
  referralNumber: r.referral_number,
});
