import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { SliceAttributes } from '@zhiyin/dicom';
import type { StudyReadScope } from '@zhiyin/workflow';
import type { DataSource } from 'typeorm';
import { placeholders, studyScopeFilter } from '#src/modules/imaging/imaging.repository.js';

export interface CaseSeriesRow {
  series_id: string;
  study_instance_uid: string;
  series_instance_uid: string;
  modality: string | null;
}

export interface SliceRow {
  sop_instance_uid: string;
  /** Image Position and Orientation (Patient), Instance Number and Rows, as DICOM JSON */
  attrs: SliceAttributes;
}

// What the reading room opens a case on, found the way its study pane finds it: the referral's studies in the order
// they were filed (the referral's study list), each study's series by Series Number.
@Injectable()
export class CaseImageRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * The first series of the referral's studies, within the reader's study read scope (the same filter as every
   * DICOMweb read); `scope` null: whoever reads it (a rendering made ahead, which no one receives from here).
   */
  async firstSeries(referralId: string, scope: StudyReadScope | null): Promise<CaseSeriesRow | undefined> {
    if (scope?.kind === 'none') return undefined;
    const params: unknown[] = [];
    const param = placeholders(params);
    const rows = await this.ds.query<CaseSeriesRow[]>(
      `SELECT se.id AS series_id, st.study_instance_uid, se.series_instance_uid, se.modality
         FROM study st JOIN series se ON se.study_id = st.id
        WHERE st.referral_id = ${param(referralId)} AND ${scope ? studyScopeFilter(scope, param) : 'true'}
        ORDER BY st.created_at, st.id, se.series_number NULLS LAST, se.id
        LIMIT 1`,
      params,
    );
    return rows[0];
  }

  /** What slice order reads of each instance of the series, in Instance Number order (the order of a tie). */
  async sliceRows(seriesId: string): Promise<SliceRow[]> {
    return this.ds.query<SliceRow[]>(
      `SELECT i.sop_instance_uid,
              jsonb_build_object('00200032', i.metadata->'00200032', '00200037', i.metadata->'00200037',
                                 '00200013', i.metadata->'00200013', '00280010', i.metadata->'00280010') AS attrs
         FROM instance i
        WHERE i.series_id = $1
        ORDER BY i.instance_number NULLS LAST, i.id`,
      [seriesId],
    );
  }
}
