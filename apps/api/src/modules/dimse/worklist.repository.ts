import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { ScheduledStep, WorklistKeys } from '@zhiyin/dimse';

/** A centre's worklist query: the matching keys the SQL applies (the station key is matched by the caller). */
export interface WorklistFilter extends Omit<WorklistKeys, 'stationAeTitle'> {
  facilityId: string;
}

// The states in which a referral still takes studies (the workflow's attach_study), for upward referrals.
const OPEN_FOR_ACQUISITION = ['draft', 'submitted', 'offered', 'accepted', 'in_review', 'info_requested'];

@Injectable()
export class WorklistRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** The centre's referrals that need an acquisition: open, upward, with no study yet; oldest first. */
  async scheduled(f: WorklistFilter): Promise<ScheduledStep[]> {
    const rows = await this.ds.query<ScheduledStep[]>(
      // The outer list names the step's columns: the inner created_at orders the steps and is no part of one.
      `SELECT "referralId", number, "patientId", mrn, "familyName", "givenName", "birthDate", sex, modality,
              "scheduledDate", "scheduledTime" FROM (
         SELECT r.id AS "referralId", r.number, p.id AS "patientId", p.mrn, p.family_name_zh AS "familyName",
                p.given_name_zh AS "givenName", to_char(p.birth_date, 'YYYYMMDD') AS "birthDate", p.sex,
                CASE WHEN r.service = 'ECG' THEN 'ECG' ELSE coalesce(r.modality, 'OT') END AS modality,
                to_char(r.created_at, 'YYYYMMDD') AS "scheduledDate", to_char(r.created_at, 'HH24MISS') AS "scheduledTime",
                r.created_at
           FROM referral r JOIN patient p ON p.id = r.patient_id
          WHERE r.origin_facility_id = $1 AND r.direction = 'up' AND r.state = ANY($2::text[])
            AND NOT EXISTS (SELECT 1 FROM study s WHERE s.referral_id = r.id)) w
        WHERE ($3::text IS NULL OR w.modality = $3)
          AND ($4::text IS NULL OR w."scheduledDate" >= $4) AND ($5::text IS NULL OR w."scheduledDate" <= $5)
          AND ($6::text IS NULL OR w.number = $6) AND ($7::text IS NULL OR w.mrn = $7)
        ORDER BY w.created_at, w."referralId"
        LIMIT 1000`,
      [
        f.facilityId,
        OPEN_FOR_ACQUISITION,
        f.modality ?? null,
        f.from ?? null,
        f.to ?? null,
        f.accessionNumber ?? null,
        f.patientId ?? null,
      ],
    );
    return rows;
  }
}
