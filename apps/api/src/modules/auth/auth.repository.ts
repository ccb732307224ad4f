import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { RefreshTokenEntity, UserEntity } from './user.entity.js';

/** A transaction's manager (a refresh's), passed back to the methods below and to the patients' port. */
export type Tx = EntityManager;

/** The rows an UPDATE or DELETE ... RETURNING changed (TypeORM answers those two as [rows, rowCount]). */
export async function changedRows<T>(m: Pick<EntityManager, 'query'>, sql: string, params: unknown[]): Promise<T[]> {
  const [rows] = await m.query<[T[], number]>(sql, params);
  return rows;
}

// The SQL of signing in, refreshing and signing out: accounts, refresh tokens and patients' access codes.
@Injectable()
export class AuthRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  transaction<T>(fn: (m: Tx) => Promise<T>): Promise<T> {
    return this.ds.transaction(fn);
  }

  userByName(username: string): Promise<UserEntity | null> {
    return this.ds.getRepository(UserEntity).findOneBy({ username });
  }

  user(id: string, m: Tx = this.ds.manager): Promise<UserEntity | null> {
    return m.getRepository(UserEntity).findOneBy({ id });
  }

  /** Whether the facility is active (false when there is no such facility). */
  async facilityActive(facilityId: string, m: Tx = this.ds.manager): Promise<boolean> {
    const rows = await m.query<{ active: boolean }[]>('SELECT active FROM facility WHERE id = $1', [facilityId]);
    return rows[0]?.active ?? false;
  }

  /** The refresh token with this hash, locked for its rotation. */
  lockRefreshToken(m: Tx, tokenHash: string): Promise<RefreshTokenEntity | null> {
    return m
      .getRepository(RefreshTokenEntity)
      .createQueryBuilder('t')
      .where('t.token_hash = :h', { h: tokenHash })
      .setLock('pessimistic_write')
      .getOne();
  }

  refreshToken(tokenHash: string): Promise<RefreshTokenEntity | null> {
    return this.ds.getRepository(RefreshTokenEntity).findOneBy({ tokenHash });
  }

  async markRotated(m: Tx, id: string): Promise<void> {
    await m.update(RefreshTokenEntity, { id }, { rotatedAt: new Date() });
  }

  async insertRefreshToken(
    v: Pick<RefreshTokenEntity, 'userId' | 'patientAccessCodeId' | 'familyId' | 'tokenHash' | 'expiresAt'>,
    m: Tx = this.ds.manager,
  ): Promise<void> {
    await m.insert(RefreshTokenEntity, v);
  }

  /** Whether a rotation at `rotatedAt` is the family's latest and lies within the last `graceSeconds`. */
  async withinRotationGrace(m: Tx, familyId: string, rotatedAt: Date | null, graceSeconds: number): Promise<boolean> {
    const [r] = await m.query<{ ok: boolean }[]>(
      `SELECT $2::timestamptz > now() - make_interval(secs => $3)
              AND NOT EXISTS (SELECT 1 FROM refresh_token WHERE family_id = $1 AND rotated_at > $2::timestamptz) AS ok`,
      [familyId, rotatedAt, graceSeconds],
    );
    return r?.ok === true;
  }

  async revokeFamily(familyId: string, m: Tx = this.ds.manager): Promise<void> {
    await m
      .createQueryBuilder()
      .update(RefreshTokenEntity)
      .set({ revokedAt: () => 'now()' })
      .where('family_id = :familyId AND revoked_at IS NULL', { familyId })
      .execute();
  }

  /** Takes one of a usable code's allowed wrong dates (one UPDATE on its row); nothing when none is left. */
  async claimPatientCode(
    codeHash: string,
    maxFailures: number,
  ): Promise<{ id: string; patient_id: string; failed_attempts: number } | undefined> {
    const [claimed] = await changedRows<{ id: string; patient_id: string; failed_attempts: number }>(
      this.ds,
      `UPDATE patient_access_code SET failed_attempts = failed_attempts + 1
        WHERE code_hash = $1 AND revoked_at IS NULL AND expires_at > now() AND failed_attempts < $2
        RETURNING id, patient_id, failed_attempts`,
      [codeHash, maxFailures],
    );
    return claimed;
  }

  /** The patient of a code, usable or not (for the audit). */
  async patientOfCode(codeHash: string): Promise<{ patient_id: string } | undefined> {
    const [known] = await this.ds.query<{ patient_id: string }[]>(
      'SELECT patient_id FROM patient_access_code WHERE code_hash = $1',
      [codeHash],
    );
    return known;
  }

  /** Revokes a code that used its last allowed wrong date; whether it did. */
  async revokeExhaustedCode(id: string, maxFailures: number): Promise<boolean> {
    const revoked = await changedRows<unknown>(
      this.ds,
      `UPDATE patient_access_code SET revoked_at = now()
        WHERE id = $1 AND revoked_at IS NULL AND failed_attempts >= $2 RETURNING id`,
      [id, maxFailures],
    );
    return revoked.length > 0;
  }

  /** Gives a right date its attempt back and notes the use; nothing when the code was revoked meanwhile. */
  async useCode(id: string): Promise<{ id: string } | undefined> {
    const [row] = await changedRows<{ id: string }>(
      this.ds,
      `UPDATE patient_access_code SET failed_attempts = failed_attempts - 1, last_used_at = now()
        WHERE id = $1 AND revoked_at IS NULL RETURNING id`,
      [id],
    );
    return row;
  }
}
