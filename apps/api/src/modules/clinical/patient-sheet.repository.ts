import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

export interface PatientSheetFacts {
  homeFacilityId: string;
  name: string;
  pinyin: string;
  centre: { nameZh: string; nameEn: string };
}

// The patient sheet's reads: the patient's name and centre, and whether a code is the patient's live one.
@Injectable()
export class PatientSheetRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async patient(patientId: string): Promise<PatientSheetFacts | null> {
    const [p] = await this.ds.query<Record<string, string>[]>(
      `SELECT p.home_facility_id, p.family_name_zh || p.given_name_zh AS name, coalesce(p.name_pinyin, '') AS pinyin,
              f.name_zh, f.name_en
         FROM patient p JOIN facility f ON f.id = p.home_facility_id WHERE p.id = $1`,
      [patientId],
    );
    if (!p) return null;
    return {
      homeFacilityId: p.home_facility_id!,
      name: p.name!,
      pinyin: p.pinyin!,
      centre: { nameZh: p.name_zh!, nameEn: p.name_en! },
    };
  }

  /** When the patient's current (unrevoked, unexpired) code with this hash expires, or null. */
  async liveCodeExpiry(patientId: string, codeHash: string): Promise<Date | null> {
    const [c] = await this.ds.query<{ expires_at: Date }[]>(
      `SELECT expires_at FROM patient_access_code
        WHERE patient_id = $1 AND code_hash = $2 AND revoked_at IS NULL AND expires_at > now()`,
      [patientId, codeHash],
    );
    return c ? new Date(c.expires_at) : null;
  }
}
