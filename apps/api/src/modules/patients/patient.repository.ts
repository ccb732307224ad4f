import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Service } from '@zhiyin/workflow';
import { DataSource, type EntityManager } from 'typeorm';
import { PatientAccessCodeEntity, PatientEntity } from './patient.entity.js';

/** A transaction's manager, for the service to pass back (and to the audit). */
export type Tx = EntityManager;

/** The fields of a new patient (the database fills id, version and timestamps). */
export type NewPatient = Omit<PatientEntity, 'id' | 'version' | 'createdAt' | 'updatedAt'>;

/** What the register search matches on, decided by the service from what was typed. */
export type PatientMatch =
  | { kind: 'national_id'; hash: string }
  | { kind: 'name'; compact: string }
  | { kind: 'pinyin_or_mrn'; q: string; letters: string; spaced: string };

export interface PatientSearch {
  /** the home centre to keep to (undefined: every centre) */
  facilityId?: string | null;
  /** only records flagged as possibly the same person as another centre's */
  possibleDuplicate: boolean;
  match?: PatientMatch;
  limit: number;
  offset: number;
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

// The only file of the feature that reads and writes the patient register and its access codes for staff.
@Injectable()
export class PatientRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  transaction<T>(fn: (m: Tx) => Promise<T>): Promise<T> {
    return this.ds.transaction(fn);
  }

  /** Inserts a patient; the saved entity. A taken MRN or national ID rejects with the unique violation. */
  async insert(m: Tx, v: NewPatient): Promise<PatientEntity> {
    const entity = m.create(PatientEntity, v);
    await m.save(entity);
    return entity;
  }

  /** Saves a changed patient (its version column moves on). A taken MRN or national ID rejects likewise. */
  async save(m: Tx, patient: PatientEntity): Promise<void> {
    await m.save(patient);
  }

  find(id: string, m: Tx = this.ds.manager, lock = false): Promise<PatientEntity | null> {
    const qb = m.getRepository(PatientEntity).createQueryBuilder('p').where('p.id = :id', { id });
    if (lock) qb.setLock('pessimistic_write');
    return qb.getOne();
  }

  /** Whether the patient has a referral (past draft) to this service. */
  async hasReferralTo(patientId: string, service: Service, m: Tx = this.ds.manager): Promise<boolean> {
    const rows = await m.query<unknown[]>(
      `SELECT 1 FROM referral WHERE patient_id = $1 AND service = $2 AND state <> 'draft' LIMIT 1`,
      [patientId, service],
    );
    return rows.length > 0;
  }

  /** One page of the register (by Chinese name) and how many match. */
  search(s: PatientSearch): Promise<[PatientEntity[], number]> {
    const qb = this.ds.getRepository(PatientEntity).createQueryBuilder('p');
    if (s.facilityId !== undefined) qb.andWhere('p.home_facility_id = :fac', { fac: s.facilityId });
    if (s.possibleDuplicate) qb.andWhere('p.possible_duplicate');
    const match = s.match;
    if (match?.kind === 'national_id') {
      qb.andWhere('p.national_id_hash = :h', { h: match.hash });
    } else if (match?.kind === 'name') {
      qb.andWhere("(p.family_name_zh || p.given_name_zh) LIKE :name ESCAPE '\\'", {
        name: `%${escapeLike(match.compact)}%`,
      });
    } else if (match?.kind === 'pinyin_or_mrn') {
      const { q, letters, spaced } = match;
      // Digits only (an MRN) leave no letters for the name conditions: they are left out rather
      // than given a placeholder pattern that matches nothing (PostgreSQL text cannot hold NUL).
      const byName = spaced
        ? `OR replace(p.name_pinyin, ' ', '') LIKE :joined ESCAPE '\\'
            OR p.name_pinyin LIKE :spaced ESCAPE '\\'
            OR p.pinyin_initials LIKE :initials ESCAPE '\\'`
        : '';
      qb.andWhere(`(lower(p.mrn) = :mrn OR lower(p.mrn) LIKE :mrnPrefix ESCAPE '\\' ${byName})`, {
        mrn: q.toLowerCase(),
        mrnPrefix: `${escapeLike(q.toLowerCase())}%`,
        joined: `${escapeLike(letters)}%`,
        spaced: `${escapeLike(spaced)}%`,
        initials: `${escapeLike(letters)}%`,
      });
    }
    return qb
      .orderBy('p.family_name_zh')
      .addOrderBy('p.given_name_zh')
      .addOrderBy('p.id')
      .take(s.limit)
      .skip(s.offset)
      .getManyAndCount();
  }

  /**
   * Flags other centres' records with this national ID (its lookup hash); whether there were any. Serialised per
   * national ID by a transaction-scoped advisory lock.
   */
  async flagOtherCentres(m: Tx, nationalIdHash: string, facilityId: string): Promise<boolean> {
    await m.query(`SELECT pg_advisory_xact_lock(hashtextextended('patient.national_id:' || $1, 0))`, [nationalIdHash]);
    const flagged = await m.query<unknown[]>(
      `UPDATE patient SET possible_duplicate = true
        WHERE national_id_hash = $1 AND home_facility_id <> $2
        RETURNING 1`,
      [nationalIdHash, facilityId],
    );
    return flagged.length > 0;
  }

  /** Revokes the patient's live access codes and stores a new one (its hash). */
  async replaceAccessCode(
    m: Tx,
    v: { patientId: string; codeHash: string; issuedBy: string; expiresAt: Date },
  ): Promise<void> {
    await m
      .createQueryBuilder()
      .update(PatientAccessCodeEntity)
      .set({ revokedAt: () => 'now()' })
      .where('patient_id = :patientId AND revoked_at IS NULL', { patientId: v.patientId })
      .execute();
    await m.insert(PatientAccessCodeEntity, v);
  }
}
