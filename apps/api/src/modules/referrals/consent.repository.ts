import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { ConsentFormMediaType, ConsentKind, ConsentView } from '@zhiyin/contracts';
import type { DataSource, EntityManager } from 'typeorm';

interface ConsentRow {
  kind: ConsentKind;
  witness_name: string | null;
  consented_at: Date | null;
  form_media_type: ConsentFormMediaType | null;
  form_size: number | null;
  recorded_by: string;
  name_zh: string | null;
  name_en: string | null;
  recorded_at: Date;
}

/** What is recorded: verbal consent before a witness, or the signed form's bytes. */
export type ConsentRecord =
  | { kind: 'verbal'; witnessName: string; consentedAt: string }
  | { kind: 'form'; data: Buffer; mediaType: ConsentFormMediaType; sha256: string };

// The referral's consent record: one row per referral, replaced when the doctor records it again.
@Injectable()
export class ConsentRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async save(m: EntityManager, referralId: string, recordedBy: string, c: ConsentRecord): Promise<void> {
    const form = c.kind === 'form' ? c : null;
    const verbal = c.kind === 'verbal' ? c : null;
    await m.query(
      `INSERT INTO referral_consent (referral_id, kind, form_data, form_media_type, form_sha256, witness_name, consented_at,
                                     recorded_by, recorded_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())
       ON CONFLICT (referral_id) DO UPDATE SET kind = EXCLUDED.kind, form_data = EXCLUDED.form_data,
         form_media_type = EXCLUDED.form_media_type, form_sha256 = EXCLUDED.form_sha256,
         witness_name = EXCLUDED.witness_name, consented_at = EXCLUDED.consented_at,
         recorded_by = EXCLUDED.recorded_by, recorded_at = EXCLUDED.recorded_at`,
      [
        referralId,
        c.kind,
        form?.data ?? null,
        form?.mediaType ?? null,
        form?.sha256 ?? null,
        verbal?.witnessName ?? null,
        verbal?.consentedAt ?? null,
        recordedBy,
      ],
    );
  }

  /** The consent as the referral's readers see it (without the form's bytes), or null when none is recorded. */
  async view(referralId: string, m: EntityManager = this.ds.manager): Promise<ConsentView | null> {
    const [r] = await m.query<ConsentRow[]>(
      `SELECT c.kind, c.witness_name, c.consented_at, c.form_media_type, octet_length(c.form_data) AS form_size,
              c.recorded_by, u.display_name_zh AS name_zh, u.display_name_en AS name_en, c.recorded_at
         FROM referral_consent c JOIN app_user u ON u.id = c.recorded_by
        WHERE c.referral_id = $1`,
      [referralId],
    );
    if (!r) return null;
    return {
      kind: r.kind,
      witnessName: r.witness_name,
      consentedAt: r.consented_at ? new Date(r.consented_at).toISOString() : null,
      form:
        r.form_media_type && r.form_size !== null
          ? { mediaType: r.form_media_type, sizeBytes: Number(r.form_size) }
          : null,
      recordedBy: { id: r.recorded_by, nameZh: r.name_zh, nameEn: r.name_en },
      recordedAt: new Date(r.recorded_at).toISOString(),
    };
  }

  /** The signed form's bytes and type, or null when the consent was verbal or is not recorded. */
  async form(referralId: string): Promise<{ data: Buffer; mediaType: ConsentFormMediaType } | null> {
    const [r] = await this.ds.query<{ form_data: Buffer | null; form_media_type: ConsentFormMediaType | null }[]>(
      `SELECT form_data, form_media_type FROM referral_consent WHERE referral_id = $1`,
      [referralId],
    );
    return r?.form_data && r.form_media_type ? { data: r.form_data, mediaType: r.form_media_type } : null;
  }
}
