import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/** What the printed report says about its referral, patient, centres and studies. */
export interface ReportPdfFacts {
  number: string;
  service: string;
  modality: string | null;
  clinicalQuestion: string | null;
  patient: { name: string; pinyin: string; sex: string; birthDate: string | null; mrn: string };
  centre: { nameZh: string; nameEn: string };
  hub: { nameZh: string; nameEn: string; address: string | null };
  readingCentre: { nameZh: string; nameEn: string } | null;
  /** the earliest StudyDate (YYYY-MM-DD) of the referral's studies, if any carries one */
  studyDate: string | null;
}

/** SOP classes whose waveform is a printable ECG: 12-lead first, then general ECG. */
const ECG_SOP_CLASSES = ['1.2.840.10008.5.1.4.1.1.9.1.1', '1.2.840.10008.5.1.4.1.1.9.1.2'];

// The report PDF's reads (the controller used to run this SQL itself).
@Injectable()
export class ReportPdfRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async facts(referralId: string): Promise<ReportPdfFacts | null> {
    const [r] = await this.ds.query<Record<string, string | null | undefined>[]>(
      `SELECT r.number, r.service, r.modality, r.clinical_question, p.family_name_zh || p.given_name_zh AS name,
              p.name_pinyin, p.sex, p.birth_date::text AS birth, p.mrn, o.name_zh AS centre_zh, o.name_en AS centre_en,
              h.name_zh AS hub_zh, h.name_en AS hub_en, h.address AS hub_address, rc.name_zh AS rc_zh, rc.name_en AS rc_en,
              (SELECT min(s.study_date)::text FROM study s WHERE s.referral_id = r.id) AS study_date
         FROM referral r JOIN patient p ON p.id = r.patient_id JOIN facility o ON o.id = r.origin_facility_id
         JOIN facility h ON h.id = o.hub_id LEFT JOIN reading_centre rc ON rc.hub_id = h.id AND rc.service = r.service
        WHERE r.id = $1`,
      [referralId],
    );
    if (!r) return null;
    return {
      number: r.number!,
      service: r.service!,
      modality: r.modality ?? null,
      clinicalQuestion: r.clinical_question ?? null,
      patient: { name: r.name!, pinyin: r.name_pinyin ?? '', sex: r.sex!, birthDate: r.birth ?? null, mrn: r.mrn! },
      centre: { nameZh: r.centre_zh!, nameEn: r.centre_en! },
      hub: { nameZh: r.hub_zh!, nameEn: r.hub_en!, address: r.hub_address ?? null },
      readingCentre: r.rc_zh ? { nameZh: r.rc_zh, nameEn: r.rc_en! } : null,
      studyDate: r.study_date ?? null,
    };
  }

  /** The stored file of the referral's ECG recording to print (a 12-lead one before a general ECG). */
  async ecgInstance(referralId: string): Promise<{ sha256: string; sizeBytes: number } | null> {
    const [row] = await this.ds.query<{ sha256: string; size_bytes: string }[]>(
      `SELECT i.sha256, i.size_bytes FROM instance i JOIN study s ON s.id = i.study_id
        WHERE s.referral_id = $1 AND i.sop_class_uid = ANY($2)
        ORDER BY array_position($2, i.sop_class_uid), i.created_at, i.id LIMIT 1`,
      [referralId, ECG_SOP_CLASSES],
    );
    return row ? { sha256: row.sha256, sizeBytes: Number(row.size_bytes) } : null;
  }
}
