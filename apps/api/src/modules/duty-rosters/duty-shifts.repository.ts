import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Specialty, StaffRole } from '@zhiyin/workflow';
import type { DataSource, EntityManager } from 'typeorm';

/** A database transaction, handed from `inTransaction` back to this repository's methods. */
export type Tx = EntityManager;

/** A shift as the roster lists it, with its reader's names. */
export interface DutyShift {
  readonly id: string;
  readonly userId: string;
  readonly readingCentreId: string;
  readonly startsAt: Date;
  readonly endsAt: Date;
  readonly nameZh: string;
  readonly nameEn: string;
  readonly specialty: Specialty | null;
}

/** The time a reader's shift takes. */
export interface ShiftSpan {
  readonly id: string;
  readonly startsAt: Date;
  readonly endsAt: Date;
}

// The reading centres' duty rosters: who reads when.
@Injectable()
export class DutyShiftsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  inTransaction<T>(work: (m: Tx) => Promise<T>): Promise<T> {
    return this.ds.transaction(work);
  }

  /** The shifts that overlap [from, to), earliest first, with their readers' names. */
  async between(from: string, to: string): Promise<DutyShift[]> {
    return this.ds.query<DutyShift[]>(
      `SELECT d.id, d.user_id AS "userId", d.reading_centre_id AS "readingCentreId", d.starts_at AS "startsAt", d.ends_at AS "endsAt",
              u.display_name_zh AS "nameZh", u.display_name_en AS "nameEn", u.specialty
         FROM duty_shift d JOIN app_user u ON u.id = d.user_id
        WHERE d.ends_at > $1 AND d.starts_at < $2 ORDER BY d.starts_at`,
      [from, to],
    );
  }

  /** A user's role and reading centre (undefined: no such user). */
  async reader(userId: string): Promise<{ readingCentreId: string | null; role: StaffRole } | undefined> {
    const [u] = await this.ds.query<{ readingCentreId: string | null; role: StaffRole }[]>(
      'SELECT reading_centre_id AS "readingCentreId", role FROM app_user WHERE id = $1',
      [userId],
    );
    return u;
  }

  /** Locks the reader's row: two administrators adding shifts for one reader at once are serialized. */
  async lockReader(m: Tx, userId: string): Promise<void> {
    await m.query('SELECT id FROM app_user WHERE id = $1 FOR UPDATE', [userId]);
  }

  /** The reader's first shift overlapping [startsAt, endsAt), if any. */
  async clash(m: Tx, userId: string, startsAt: string, endsAt: string): Promise<ShiftSpan | undefined> {
    const [clash] = await m.query<ShiftSpan[]>(
      `SELECT id, starts_at AS "startsAt", ends_at AS "endsAt" FROM duty_shift
        WHERE user_id = $1 AND starts_at < $3 AND ends_at > $2 ORDER BY starts_at LIMIT 1`,
      [userId, startsAt, endsAt],
    );
    return clash;
  }

  async insert(m: Tx, userId: string, readingCentreId: string, startsAt: string, endsAt: string): Promise<string> {
    const [inserted] = await m.query<{ id: string }[]>(
      'INSERT INTO duty_shift (user_id, reading_centre_id, starts_at, ends_at) VALUES ($1, $2, $3, $4) RETURNING id',
      [userId, readingCentreId, startsAt, endsAt],
    );
    return inserted!.id;
  }

  /** Deletes a shift; returns whose it was, or undefined when there was none. */
  async delete(m: Tx, id: string): Promise<string | undefined> {
    const result = await m.query<[{ user_id: string }[], number]>(
      'DELETE FROM duty_shift WHERE id = $1 RETURNING user_id',
      [id],
    );
    return result[1] === 0 ? undefined : result[0][0]!.user_id;
  }
}
