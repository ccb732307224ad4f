import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { ServiceAccountView } from '@zhiyin/contracts';
import { DataSource, type EntityManager } from 'typeorm';

export interface ServiceAccountSecret {
  id: string;
  facilityId: string;
  secretHash: string;
  revoked: boolean;
  facilityActive: boolean;
  facilityKind: 'hub' | 'community';
}

const COLUMNS = `s.id, s.facility_id AS "facilityId", s.name, s.kind, s.created_at AS "createdAt",
  s.last_used_at AS "lastUsedAt", s.revoked_at AS "revokedAt"`;

/** A transaction's manager, for the service to pass back (and to the audit) without touching the ORM itself. */
export type Tx = EntityManager;

@Injectable()
export class ServiceAccountRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  transaction<T>(fn: (m: Tx) => Promise<T>): Promise<T> {
    return this.ds.transaction(fn);
  }

  list(): Promise<ServiceAccountView[]> {
    return this.ds.query<ServiceAccountView[]>(`SELECT ${COLUMNS} FROM service_account s ORDER BY s.created_at, s.id`);
  }

  async facility(m: EntityManager, id: string): Promise<{ kind: 'hub' | 'community'; active: boolean } | undefined> {
    const [row] = await m.query<{ kind: 'hub' | 'community'; active: boolean }[]>(
      'SELECT kind, active FROM facility WHERE id = $1',
      [id],
    );
    return row;
  }

  async insert(
    m: EntityManager,
    v: { facilityId: string; name: string; secretHash: string },
  ): Promise<ServiceAccountView> {
    const [row] = await m.query<ServiceAccountView[]>(
      `INSERT INTO service_account AS s (facility_id, name, secret_hash) VALUES ($1, $2, $3) RETURNING ${COLUMNS}`,
      [v.facilityId, v.name, v.secretHash],
    );
    return row!;
  }

  /** Revokes the account (once); the revoked view, or nothing when there is no such account. */
  async revoke(m: EntityManager, id: string): Promise<ServiceAccountView | undefined> {
    const [row] = await m.query<ServiceAccountView[]>(
      // through a CTE: an UPDATE's own answer is [rows, count], not its rows
      `WITH s AS (UPDATE service_account SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING *)
       SELECT ${COLUMNS} FROM s`,
      [id],
    );
    return row;
  }

  async secretOf(id: string): Promise<ServiceAccountSecret | undefined> {
    const [row] = await this.ds.query<ServiceAccountSecret[]>(
      `SELECT s.id, s.facility_id AS "facilityId", s.secret_hash AS "secretHash", s.revoked_at IS NOT NULL AS revoked,
              f.active AS "facilityActive", f.kind AS "facilityKind"
         FROM service_account s JOIN facility f ON f.id = s.facility_id WHERE s.id = $1`,
      [id],
    );
    return row;
  }

  async touch(id: string): Promise<void> {
    await this.ds.query('UPDATE service_account SET last_used_at = now() WHERE id = $1', [id]);
  }
}
