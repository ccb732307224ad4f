import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

export interface Institution {
  nameZh: string;
  nameEn: string;
  address: string | null;
  phone: string | null;
}

/** What a referral form (转诊单) says beyond the report and the plan. */
export interface ReferralFormFacts {
  number: string;
  direction: 'up' | 'down';
  service: string;
  priority: string;
  clinicalQuestion: string | null;
  history: string | null;
  /** the referral up whose report and plan the form carries: itself, or for a referral back down its parent */
  clinicalReferralId: string;
  /** the up referral's agreed (or proposed) plan disposition, for whether it sent the patient to the hub */
  planDisposition: string | null;
  patient: {
    name: string;
    pinyin: string;
    sex: string;
    birthDate: string | null;
    mrn: string;
    nationalIdMasked: string | null;
  };
  from: Institution;
  to: Institution;
  /** the doctor who referred: the community doctor who created the referral up, or whoever referred back down */
  referredBy: { nameZh: string; nameEn: string } | null;
  /** when: the referral up's submission, or the referral back down's creation */
  referredAt: string;
}

// The referral form's reads: the referral, its patient, both institutions and the referring doctor.
@Injectable()
export class ReferralFormRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async facts(referralId: string): Promise<ReferralFormFacts | null> {
    // Columns are text, except referred_at (a timestamptz, read as a Date).
    const [r] = await this.ds.query<Record<string, string>[]>(
      `SELECT r.number, r.direction, r.service, r.priority, r.clinical_question, r.history,
              coalesce(r.parent_referral_id, r.id) AS clinical_id,
              up.snapshot->'plan'->>'disposition' AS plan_disposition,
              p.family_name_zh || p.given_name_zh AS name, p.name_pinyin, p.sex, p.birth_date::text AS birth, p.mrn,
              p.national_id_masked,
              fo.name_zh AS from_zh, fo.name_en AS from_en, fo.address AS from_address, fo.phone AS from_phone,
              ft.name_zh AS to_zh, ft.name_en AS to_en, ft.address AS to_address, ft.phone AS to_phone,
              u.display_name_zh AS by_zh, u.display_name_en AS by_en,
              coalesce(CASE WHEN r.direction = 'up' THEN r.submitted_at END, r.created_at) AS referred_at
         FROM referral r
         JOIN referral up ON up.id = coalesce(r.parent_referral_id, r.id)
         JOIN patient p ON p.id = r.patient_id
         JOIN facility o ON o.id = r.origin_facility_id
         LEFT JOIN facility d ON d.id = r.destination_facility_id
         -- Up: the community centre to its hub. Down: the hub (the community centre's own) to the community centre.
         JOIN facility fo ON fo.id = CASE WHEN r.direction = 'up' THEN r.origin_facility_id
                                          ELSE coalesce(d.hub_id, r.origin_facility_id) END
         JOIN facility ft ON ft.id = CASE WHEN r.direction = 'up' THEN coalesce(r.destination_facility_id, o.hub_id)
                                          ELSE r.destination_facility_id END
         LEFT JOIN LATERAL (
           SELECT e.actor_id FROM referral_event e
            WHERE r.direction = 'down' AND e.referral_id = r.parent_referral_id AND e.event = 'refer_back_down'
            ORDER BY e.id DESC LIMIT 1) back ON true
         LEFT JOIN app_user u ON u.id::text = CASE WHEN r.direction = 'up' THEN r.created_by::text ELSE back.actor_id END
        WHERE r.id = $1`,
      [referralId],
    );
    if (!r) return null;
    const v = (k: string) => r[k] as string;
    const opt = (k: string) => r[k] ?? null;
    const institution = (k: 'from' | 'to'): Institution => ({
      nameZh: v(`${k}_zh`),
      nameEn: v(`${k}_en`),
      address: opt(`${k}_address`),
      phone: opt(`${k}_phone`),
    });
    return {
      number: v('number'),
      direction: v('direction') as 'up' | 'down',
      service: v('service'),
      priority: v('priority'),
      clinicalQuestion: opt('clinical_question'),
      history: opt('history'),
      clinicalReferralId: v('clinical_id'),
      planDisposition: opt('plan_disposition'),
      patient: {
        name: v('name'),
        pinyin: opt('name_pinyin') ?? '',
        sex: v('sex'),
        birthDate: opt('birth'),
        mrn: v('mrn'),
        nationalIdMasked: opt('national_id_masked'),
      },
      from: institution('from'),
      to: institution('to'),
      referredBy: r.by_zh ? { nameZh: r.by_zh, nameEn: v('by_en') } : null,
      referredAt: new Date(r.referred_at as unknown as Date).toISOString(),
    };
  }
}
