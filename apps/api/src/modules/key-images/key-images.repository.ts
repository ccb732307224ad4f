import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { KeyImageMeasurement, KeyImageView } from '@zhiyin/contracts';
import type { DicomJsonDataset } from '@zhiyin/dicom';
import type { DataSource, EntityManager } from 'typeorm';
import type { PixelInfo } from '#src/modules/imaging/analyse-part.js';

interface KeyImageRow {
  id: string;
  study_instance_uid: string;
  series_instance_uid: string;
  sop_instance_uid: string;
  frame: number;
  series_number: number | null;
  instance_number: number | null;
  series_description: string | null;
  measurements: KeyImageMeasurement[];
  created_by: string;
  created_at: Date;
}

/** A key image with what rendering its frame needs: what the printed report reads. */
export interface KeyImageForPrint extends KeyImageView {
  instance: {
    studyId: string;
    patientId: string | null;
    transferSyntaxUid: string;
    sha256: string;
    sizeBytes: number;
    pixel: PixelInfo | null;
    metadata: DicomJsonDataset;
    /** Number of Frames (1 for a single-frame image) */
    frames: number;
  };
}

const COLUMNS = `k.id, st.study_instance_uid, se.series_instance_uid, i.sop_instance_uid, k.frame, se.series_number,
  i.instance_number, se.series_description, k.measurements, k.created_by, k.created_at`;
const FROM = `key_image k JOIN instance i ON i.id = k.instance_id JOIN series se ON se.id = i.series_id
  JOIN study st ON st.id = i.study_id`;
// In the order the reader marked them: the order the report prints them.
const ORDER = 'k.created_at, k.id';

const view = (r: KeyImageRow): KeyImageView => ({
  id: r.id,
  studyInstanceUid: r.study_instance_uid,
  seriesInstanceUid: r.series_instance_uid,
  sopInstanceUid: r.sop_instance_uid,
  frame: r.frame,
  seriesNumber: r.series_number,
  instanceNumber: r.instance_number,
  seriesDescription: r.series_description,
  measurements: r.measurements,
  createdBy: r.created_by,
  createdAt: new Date(r.created_at).toISOString(),
});

// The key images of a referral: frames of its own studies the reader marked, with their measurements.
@Injectable()
export class KeyImagesRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** The instance named, when it belongs to a study linked to the referral; with how many frames it has. */
  async instanceOfReferral(
    m: EntityManager,
    referralId: string,
    uids: { studyInstanceUid: string; seriesInstanceUid: string; sopInstanceUid: string },
  ): Promise<{ id: string; frames: number; hasPixels: boolean } | null> {
    const [r] = await m.query<{ id: string; frames: number | null; has_pixels: boolean }[]>(
      `SELECT i.id, i.number_of_frames AS frames, i.pixel_data IS NOT NULL AS has_pixels
         FROM instance i JOIN series se ON se.id = i.series_id JOIN study st ON st.id = i.study_id
        WHERE st.referral_id = $1 AND st.study_instance_uid = $2 AND se.series_instance_uid = $3
          AND i.sop_instance_uid = $4`,
      [referralId, uids.studyInstanceUid, uids.seriesInstanceUid, uids.sopInstanceUid],
    );
    return r ? { id: r.id, frames: r.frames ?? 1, hasPixels: r.has_pixels } : null;
  }

  async count(m: EntityManager, referralId: string): Promise<number> {
    const [r] = await m.query<{ n: number }[]>('SELECT count(*)::int AS n FROM key_image WHERE referral_id = $1', [
      referralId,
    ]);
    return r?.n ?? 0;
  }

  /** Whether this frame is already a key image of the referral. */
  async exists(m: EntityManager, referralId: string, instanceId: string, frame: number): Promise<boolean> {
    const rows = await m.query<unknown[]>(
      'SELECT 1 FROM key_image WHERE referral_id = $1 AND instance_id = $2 AND frame = $3',
      [referralId, instanceId, frame],
    );
    return rows.length > 0;
  }

  /** Marks the frame, or replaces its measurements when it is marked already (one row per frame). */
  async upsert(
    m: EntityManager,
    k: { referralId: string; instanceId: string; frame: number; measurements: KeyImageMeasurement[]; userId: string },
  ): Promise<{ id: string; created: boolean }> {
    const [r] = await m.query<{ id: string; created: boolean }[]>(
      `INSERT INTO key_image (referral_id, instance_id, frame, measurements, created_by)
       VALUES ($1, $2, $3, $4::jsonb, $5)
       ON CONFLICT (referral_id, instance_id, frame)
         DO UPDATE SET measurements = EXCLUDED.measurements, updated_at = now()
       RETURNING id, (xmax = 0) AS created`,
      [k.referralId, k.instanceId, k.frame, JSON.stringify(k.measurements), k.userId],
    );
    return r!;
  }

  async remove(m: EntityManager, referralId: string, id: string): Promise<boolean> {
    // Through a SELECT: TypeORM answers a bare DELETE … RETURNING with [rows, count], not the rows.
    const [r] = await m.query<{ n: number }[]>(
      `WITH d AS (DELETE FROM key_image WHERE referral_id = $1 AND id = $2 RETURNING id) SELECT count(*)::int AS n FROM d`,
      [referralId, id],
    );
    return (r?.n ?? 0) > 0;
  }

  async one(referralId: string, id: string, m: EntityManager = this.ds.manager): Promise<KeyImageView | null> {
    const [r] = await m.query<KeyImageRow[]>(`SELECT ${COLUMNS} FROM ${FROM} WHERE k.referral_id = $1 AND k.id = $2`, [
      referralId,
      id,
    ]);
    return r ? view(r) : null;
  }

  async list(referralId: string): Promise<KeyImageView[]> {
    const rows = await this.ds.query<KeyImageRow[]>(
      `SELECT ${COLUMNS} FROM ${FROM} WHERE k.referral_id = $1 ORDER BY ${ORDER}`,
      [referralId],
    );
    return rows.map(view);
  }

  /** The key images with their stored instances, for the printed report. */
  async forPrint(referralId: string): Promise<KeyImageForPrint[]> {
    const rows = await this.ds.query<
      (KeyImageRow & {
        study_id: string;
        patient_id: string | null;
        transfer_syntax_uid: string;
        sha256: string;
        size_bytes: string;
        pixel_data: PixelInfo | null;
        metadata: DicomJsonDataset;
        number_of_frames: number | null;
      })[]
    >(
      `SELECT ${COLUMNS}, st.id AS study_id, st.patient_id, i.transfer_syntax_uid, i.sha256, i.size_bytes, i.pixel_data,
              i.metadata, i.number_of_frames
         FROM ${FROM} WHERE k.referral_id = $1 ORDER BY ${ORDER}`,
      [referralId],
    );
    return rows.map((r) => ({
      ...view(r),
      instance: {
        studyId: r.study_id,
        patientId: r.patient_id,
        transferSyntaxUid: r.transfer_syntax_uid,
        sha256: r.sha256,
        sizeBytes: Number(r.size_bytes),
        pixel: r.pixel_data,
        metadata: r.metadata,
        frames: r.number_of_frames ?? 1,
      },
    }));
  }
}
