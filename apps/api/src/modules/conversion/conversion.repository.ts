import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { OriginalFile } from '@zhiyin/contracts';
import { DataSource } from 'typeorm';
import type { SourceKind } from './detect.js';

export interface ReferralPatient {
  referralNumber: string;
  patientId: string;
  mrn: string;
  familyName: string;
  givenName: string;
  birthDate: string;
  sex: string;
}

export interface KeptOriginal {
  format: Exclude<SourceKind, 'dicom'>;
  mediaType: string;
  fileName: string | null;
  sha256: string;
  sizeBytes: number;
}

export interface ConvertedInstance {
  studyId: string;
  studyUid: string;
  seriesUid: string;
  sopInstanceUid: string;
  sopClassUid: string;
}

// What converting a cart's file needs from the database: the referral's patient (the identity the
// instance is written with) and the original file kept beside the instance.
@Injectable()
export class ConversionRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** The patient of an open referral of this centre (nothing for another centre's, closed or unknown one). */
  async referralPatient(facilityId: string, referralId: string): Promise<ReferralPatient | undefined> {
    const [row] = await this.ds.query<ReferralPatient[]>(
      `SELECT r.number AS "referralNumber", p.id AS "patientId", p.mrn, p.family_name_zh AS "familyName",
              p.given_name_zh AS "givenName", to_char(p.birth_date, 'YYYYMMDD') AS "birthDate", p.sex
         FROM referral r JOIN patient p ON p.id = r.patient_id
        WHERE r.id = $1::uuid AND r.origin_facility_id = $2 AND r.state NOT IN ('closed', 'cancelled')`,
      [referralId, facilityId],
    );
    return row;
  }

  /** Links the kept original to the instance it was converted to; false when there is no such instance. */
  async keepOriginal(sopInstanceUid: string, o: KeptOriginal): Promise<boolean> {
    const rows = await this.ds.query<{ instance_id: string }[]>(
      `INSERT INTO instance_original (instance_id, format, media_type, file_name, sha256, size_bytes)
       SELECT id, $2, $3, $4, $5, $6 FROM instance WHERE sop_instance_uid = $1
       ON CONFLICT (instance_id) DO NOTHING
       RETURNING instance_id`,
      [sopInstanceUid, o.format, o.mediaType, o.fileName, o.sha256, o.sizeBytes],
    );
    return rows.length > 0;
  }

  /** The instance this same file (by content) was already converted to for this referral, if any. */
  async convertedBefore(referralId: string, sha256: string): Promise<ConvertedInstance | undefined> {
    const [row] = await this.ds.query<ConvertedInstance[]>(
      `SELECT st.id AS "studyId", st.study_instance_uid AS "studyUid", se.series_instance_uid AS "seriesUid",
              i.sop_instance_uid AS "sopInstanceUid", i.sop_class_uid AS "sopClassUid"
         FROM instance_original o JOIN instance i ON i.id = o.instance_id
         JOIN series se ON se.id = i.series_id JOIN study st ON st.id = i.study_id
        WHERE o.sha256 = $1 AND st.referral_id = $2::uuid
        ORDER BY o.created_at LIMIT 1`,
      [sha256, referralId],
    );
    return row;
  }

  /** The originals kept beside the instances of a study. */
  async originalsOfStudy(studyId: string): Promise<OriginalFile[]> {
    const rows = await this.ds.query<(Omit<OriginalFile, 'sizeBytes'> & { sizeBytes: string })[]>(
      `SELECT se.series_instance_uid AS "seriesInstanceUid", i.sop_instance_uid AS "sopInstanceUid", o.format,
              o.media_type AS "mediaType", o.size_bytes AS "sizeBytes"
         FROM instance_original o JOIN instance i ON i.id = o.instance_id JOIN series se ON se.id = i.series_id
        WHERE i.study_id = $1
        ORDER BY se.series_instance_uid, i.sop_instance_uid`,
      [studyId],
    );
    return rows.map((r) => ({ ...r, sizeBytes: Number(r.sizeBytes) }));
  }

  async originalOf(sopInstanceUid: string): Promise<KeptOriginal | undefined> {
    const [row] = await this.ds.query<(Omit<KeptOriginal, 'sizeBytes'> & { sizeBytes: string })[]>(
      `SELECT o.format, o.media_type AS "mediaType", o.file_name AS "fileName", o.sha256, o.size_bytes AS "sizeBytes"
         FROM instance_original o JOIN instance i ON i.id = o.instance_id
        WHERE i.sop_instance_uid = $1`,
      [sopInstanceUid],
    );
    return row ? { ...row, sizeBytes: Number(row.sizeBytes) } : undefined;
  }
}
