import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { changedRows } from './auth.repository.js';
import type { StaffRole } from '@zhiyin/workflow';
import { UserEntity } from './user.entity.js';

/** A transaction's manager, passed back to the methods below and to the audit. */
export type Tx = EntityManager;

// The second factor's tables: user_totp, user_recovery_code, auth_challenge, second_factor_policy.
@Injectable()
export class SecondFactorRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  transaction<T>(fn: (m: Tx) => Promise<T>): Promise<T> {
    return this.ds.transaction(fn);
  }

  user(id: string): Promise<UserEntity | null> {
    return this.ds.getRepository(UserEntity).findOneBy({ id });
  }

  /** Stores a pending secret, replacing an earlier pending one (never an enabled one). */
  async savePendingSecret(userId: string, secretEnc: Buffer): Promise<void> {
    await this.ds.query(
      `INSERT INTO user_totp (user_id, secret_enc) VALUES ($1, $2)
       ON CONFLICT (user_id) DO UPDATE SET secret_enc = EXCLUDED.secret_enc, last_used_step = NULL, created_at = now()
       WHERE user_totp.enabled_at IS NULL`,
      [userId, secretEnc],
    );
  }

  async pendingSecret(userId: string): Promise<Buffer | undefined> {
    const [pending] = await this.ds.query<{ secret_enc: Buffer }[]>(
      'SELECT secret_enc FROM user_totp WHERE user_id = $1 AND enabled_at IS NULL',
      [userId],
    );
    return pending?.secret_enc;
  }

  /** Enables the pending secret if it is still this one; whether it did. */
  async enable(m: Tx, userId: string, step: number | null, secretEnc: Buffer): Promise<boolean> {
    const done = await changedRows<unknown>(
      m,
      `UPDATE user_totp SET enabled_at = now(), last_used_step = $2
        WHERE user_id = $1 AND enabled_at IS NULL AND secret_enc = $3 RETURNING user_id`,
      [userId, step, secretEnc],
    );
    return done.length > 0;
  }

  /** Removes the user's recovery codes, then their secret. */
  async remove(m: Tx, userId: string): Promise<void> {
    await m.query('DELETE FROM user_recovery_code WHERE user_id = $1', [userId]);
    await m.query('DELETE FROM user_totp WHERE user_id = $1', [userId]);
  }

  /** Forgets the second-factor attempt counter with this key. */
  async clearThrottle(m: Tx, key: string): Promise<void> {
    await m.query(`DELETE FROM auth_throttle WHERE scope = 'second_factor' AND key_hash = $1`, [key]);
  }

  async requiredRoles(): Promise<StaffRole[]> {
    const rows = await this.ds.query<{ role: StaffRole }[]>(
      'SELECT role FROM second_factor_policy WHERE required ORDER BY role',
    );
    return rows.map((r) => r.role);
  }

  async setRequired(m: Tx, role: StaffRole, required: boolean, changedBy: string): Promise<void> {
    await m.query(
      `INSERT INTO second_factor_policy (role, required, changed_by) VALUES ($1, $2, $3)
       ON CONFLICT (role) DO UPDATE SET required = EXCLUDED.required, changed_by = EXCLUDED.changed_by, changed_at = now()`,
      [role, required, changedBy],
    );
  }

  async enabled(userId: string): Promise<boolean> {
    const rows = await this.ds.query<unknown[]>(
      'SELECT 1 FROM user_totp WHERE user_id = $1 AND enabled_at IS NOT NULL',
      [userId],
    );
    return rows.length > 0;
  }

  async requiredFor(role: StaffRole): Promise<boolean> {
    const rows = await this.ds.query<unknown[]>('SELECT 1 FROM second_factor_policy WHERE role = $1 AND required', [
      role,
    ]);
    return rows.length > 0;
  }

  async recoveryCodesLeft(userId: string): Promise<number> {
    const [row] = await this.ds.query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM user_recovery_code WHERE user_id = $1 AND used_at IS NULL',
      [userId],
    );
    return row?.n ?? 0;
  }

  async enabledSecret(userId: string): Promise<Buffer | undefined> {
    const [row] = await this.ds.query<{ secret_enc: Buffer }[]>(
      'SELECT secret_enc FROM user_totp WHERE user_id = $1 AND enabled_at IS NOT NULL',
      [userId],
    );
    return row?.secret_enc;
  }

  /** Notes a TOTP step as used if it is later than the last one used; whether it was. */
  async useStep(userId: string, step: number): Promise<boolean> {
    const used = await changedRows<unknown>(
      this.ds,
      `UPDATE user_totp SET last_used_step = $2
        WHERE user_id = $1 AND enabled_at IS NOT NULL AND (last_used_step IS NULL OR last_used_step < $2)
        RETURNING user_id`,
      [userId, step],
    );
    return used.length > 0;
  }

  /** Marks an unused recovery code used in the statement that finds it; whether there was one. */
  async useRecoveryCode(userId: string, codeHash: string): Promise<boolean> {
    const used = await changedRows<unknown>(
      this.ds,
      `UPDATE user_recovery_code SET used_at = now()
        WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL RETURNING id`,
      [userId, codeHash],
    );
    return used.length > 0;
  }

  /** Replaces the user's recovery codes with these (their hashes). */
  async replaceRecoveryCodes(m: Tx, userId: string, codeHashes: string[]): Promise<void> {
    await m.query('DELETE FROM user_recovery_code WHERE user_id = $1', [userId]);
    for (const codeHash of codeHashes) {
      await m.query('INSERT INTO user_recovery_code (user_id, code_hash) VALUES ($1, $2)', [userId, codeHash]);
    }
  }

  async insertChallenge(tokenHash: string, userId: string, purpose: string, ttlSeconds: number): Promise<void> {
    await this.ds.query(
      `INSERT INTO auth_challenge (token_hash, user_id, purpose, expires_at)
       VALUES ($1, $2, $3, now() + make_interval(secs => $4))`,
      [tokenHash, userId, purpose, ttlSeconds],
    );
  }

  /** Deletes challenges that expired more than a day ago. */
  async deleteOldChallenges(): Promise<void> {
    await this.ds.query(`DELETE FROM auth_challenge WHERE expires_at < now() - interval '1 day'`);
  }

  /** An unused, unexpired challenge of this purpose. */
  async openChallenge(tokenHash: string, purpose: string): Promise<{ id: string; user_id: string } | undefined> {
    const [row] = await this.ds.query<{ id: string; user_id: string }[]>(
      `SELECT id, user_id FROM auth_challenge
        WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()`,
      [tokenHash, purpose],
    );
    return row;
  }

  /** Uses a challenge up; false when it was used already. */
  async consumeChallenge(id: string): Promise<boolean> {
    const done = await changedRows<unknown>(
      this.ds,
      'UPDATE auth_challenge SET used_at = now() WHERE id = $1 AND used_at IS NULL RETURNING id',
      [id],
    );
    return done.length > 0;
  }
}
