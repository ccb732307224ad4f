import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { AnalysedPart, PixelInfo } from './analyse-part.js';
import { isStudyLevel, nameKeys, pick, SERIES_LEVEL_TAGS } from './levels.js';
import { FAILURE, type PartFailure } from './stow-status.js';

export interface StoreCandidate {
  part: AnalysedPart;
  sha256: string;
  size: number;
}

export type StoreOutcome =
  | { kind: 'stored'; studyId: string; patientId: string | null }
  | { kind: 'already-stored'; studyId: string; patientId: string | null }
  | PartFailure;

export interface InstanceRow {
  studyUid: string;
  seriesUid: string;
  sopInstanceUid: string;
  sopClassUid: string;
  transferSyntaxUid: string;
  sha256: string;
  sizeBytes: number;
  pixel: PixelInfo | null;
  metadata: Record<string, unknown>;
  rows: number | null;
  columns: number | null;
  numberOfFrames: number | null;
}

const dicomDate = (da: string | undefined) =>
  da && /^\d{8}$/.test(da) ? `${da.slice(0, 4)}-${da.slice(4, 6)}-${da.slice(6, 8)}` : null;

// The only place that writes and reads the imaging index with SQL.
@Injectable()
export class ImagingRepository {
  constructor(@InjectDataSource() readonly ds: DataSource) {}

  /**
   * Indexes instances whose files are already stored, in one transaction for the whole request;
   * `also` writes what belongs to the same commit (the audit rows). Three statements per instance.
   */
  async storeAll(
    candidates: StoreCandidate[],
    uploader: { userId: string; facilityId: string },
    also?: (m: EntityManager, outcomes: StoreOutcome[]) => Promise<void>,
  ): Promise<StoreOutcome[]> {
    return this.ds.transaction(async (m) => {
      const out: StoreOutcome[] = [];
      for (const c of candidates) out.push(await this.storeOne(m, c, uploader));
      await also?.(m, out);
      return out;
    });
  }

  private async storeOne(
    m: EntityManager,
    c: StoreCandidate,
    uploader: { userId: string; facilityId: string },
  ): Promise<StoreOutcome> {
    const s = c.part.summary;
    // Insert the study, or lock the existing one (DO UPDATE takes the row lock), in one round trip.
    const [study] = await m.query<{ id: string; facility_id: string; patient_id: string | null }[]>(
      `INSERT INTO study (study_instance_uid, facility_id, patient_id, dicom_patient_id, patient_name, patient_name_keys,
                          patient_birth_date, patient_sex, study_date, study_time, accession_number, study_id,
                          study_description, metadata)
       VALUES ($1, $2, COALESCE($3::uuid, (SELECT id FROM patient WHERE home_facility_id = $2 AND mrn = $4)), $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
       ON CONFLICT (study_instance_uid) DO UPDATE SET updated_at = study.updated_at
       RETURNING id, facility_id, patient_id`,
      [
        s.studyInstanceUid,
        uploader.facilityId,
        null,
        s.patientId ?? null,
        s.patientName ? JSON.stringify(s.patientName) : null,
        nameKeys(s.patientName),
        s.patientBirthDate ?? null,
        s.sex ?? null,
        dicomDate(s.studyDate),
        s.studyTime ?? null,
        s.accessionNumber ?? null,
        firstValue(c.part.metadata, '00200010'),
        s.studyDescription ?? null,
        JSON.stringify(pick(c.part.metadata, isStudyLevel)),
      ],
    );
    if (!study) throw new Error('study row vanished');
    if (study.facility_id !== uploader.facilityId) {
      return {
        code: 'STUDY_OF_ANOTHER_CENTRE',
        message: 'This study was sent by another centre and cannot be added to.',
        reason: FAILURE.NOT_AUTHORISED,
      };
    }
    const [series] = await m.query<{ id: string; study_id: string; inserted: boolean }[]>(
      `INSERT INTO series (study_id, series_instance_uid, modality, series_number, series_description, metadata)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (series_instance_uid) DO UPDATE SET instance_count = series.instance_count
       RETURNING id, study_id, (xmax = 0) AS inserted`,
      [
        study.id,
        s.seriesInstanceUid,
        s.modality ?? null,
        s.seriesNumber ?? null,
        s.seriesDescription ?? null,
        JSON.stringify(pick(c.part.metadata, (t) => SERIES_LEVEL_TAGS.has(t))),
      ],
    );
    if (!series || series.study_id !== study.id) {
      return {
        code: 'SERIES_IN_ANOTHER_STUDY',
        message: 'This series already belongs to another study.',
        reason: FAILURE.PROCESSING_FAILURE,
      };
    }
    // The instance and the counts of its series and study, in one statement.
    const [inserted] = await m.query<{ id: string | null }[]>(
      `WITH ins AS (
         INSERT INTO instance (study_id, series_id, sop_instance_uid, sop_class_uid, instance_number, transfer_syntax_uid,
                               sha256, size_bytes, rows, columns, number_of_frames, pixel_data, metadata, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
         ON CONFLICT (sop_instance_uid) DO NOTHING RETURNING id),
       se AS (UPDATE series SET instance_count = instance_count + 1 WHERE id = $2 AND EXISTS (SELECT 1 FROM ins) RETURNING 1),
       st AS (UPDATE study SET instance_count = instance_count + 1, series_count = series_count + $15, size_bytes = size_bytes + $8,
                     modalities = CASE WHEN $16::text IS NULL OR $16 = ANY(modalities) THEN modalities ELSE array_append(modalities, $16) END,
                     updated_at = now()
               WHERE id = $1 AND EXISTS (SELECT 1 FROM ins) RETURNING 1)
       SELECT (SELECT id FROM ins) AS id, (SELECT count(*) FROM se) + (SELECT count(*) FROM st) AS touched`,
      [
        study.id,
        series.id,
        s.sopInstanceUid,
        s.sopClassUid,
        s.instanceNumber ?? null,
        s.transferSyntaxUid,
        c.sha256,
        c.size,
        s.rows ?? null,
        s.columns ?? null,
        s.numberOfFrames ?? null,
        c.part.pixel ? JSON.stringify(c.part.pixel) : null,
        JSON.stringify(c.part.metadata),
        uploader.userId,
        series.inserted ? 1 : 0,
        s.modality ?? null,
      ],
    );
    if (!inserted?.id) {
      const [existing] = await m.query<{ sha256: string; study_id: string }[]>(
        'SELECT sha256, study_id FROM instance WHERE sop_instance_uid = $1',
        [s.sopInstanceUid],
      );
      if (existing?.sha256 === c.sha256 && existing.study_id === study.id) {
        return { kind: 'already-stored', studyId: study.id, patientId: study.patient_id };
      }
      return {
        code: 'DUPLICATE_SOP_INSTANCE',
        message:
          'An instance with this SOP Instance UID is already stored with different content; it was not replaced.',
        reason: FAILURE.DUPLICATE_SOP_INSTANCE,
      };
    }
    return { kind: 'stored', studyId: study.id, patientId: study.patient_id };
  }
}

function firstValue(json: Record<string, { Value?: unknown[] }>, tag: string): string | null {
  const v = json[tag]?.Value?.[0];
  return typeof v === 'string' ? v : null;
}
