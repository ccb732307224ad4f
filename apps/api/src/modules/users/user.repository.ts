import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FacilityKind, Service, Specialty, StaffRole } from '@zhiyin/workflow';
import { DataSource, type EntityManager } from 'typeorm';
import { UserEntity } from '#src/modules/auth/user.entity.js';
import { FacilityEntity, ReadingCentreEntity } from '#src/modules/facilities/facility.entity.js';
import type { ListUsersDto } from './dto.js';

/** A transaction's manager, for the service to pass back (and to the audit). */
export type Tx = EntityManager;

/** A staff account as the service works with it: a plain value (never the password hash, never a live entity). */
export interface StaffAccount {
  id: string;
  username: string;
  role: StaffRole;
  facilityId: string | null;
  specialty: Specialty | null;
  readingCentreId: string | null;
  displayNameZh: string;
  displayNameEn: string;
  active: boolean;
  onDuty: boolean;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** The fields of a new account (the database fills its id, counters and timestamps). */
export type NewUser = Omit<StaffAccount, 'id' | 'createdAt' | 'updatedAt'> & { passwordHash: string };

const account = (e: UserEntity): StaffAccount => ({
  id: e.id,
  username: e.username,
  role: e.role,
  facilityId: e.facilityId,
  specialty: e.specialty,
  readingCentreId: e.readingCentreId,
  displayNameZh: e.displayNameZh,
  displayNameEn: e.displayNameEn,
  active: e.active,
  onDuty: e.onDuty,
  createdAt: e.createdAt,
  updatedAt: e.updatedAt,
});

const orNull = (e: UserEntity | null) => (e ? account(e) : null);

// The only file of the feature that reads and writes staff accounts (app_user) for the administrator. It answers
// plain values (StaffAccount): the entities stay inside it.
@Injectable()
export class UserRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  transaction<T>(fn: (m: Tx) => Promise<T>): Promise<T> {
    return this.ds.transaction(fn);
  }

  /** One page of accounts (active first, by user name) and how many match. */
  async list(q: ListUsersDto): Promise<[StaffAccount[], number]> {
    const qb = this.ds.getRepository(UserEntity).createQueryBuilder('u');
    const text = q.q?.trim().toLowerCase();
    if (text) {
      qb.andWhere(
        "(u.username LIKE :t ESCAPE '\\' OR lower(u.display_name_en) LIKE :t ESCAPE '\\' OR u.display_name_zh LIKE :t ESCAPE '\\')",
        { t: `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%` },
      );
    }
    if (q.role) qb.andWhere('u.role = :role', { role: q.role });
    if (q.facilityId) qb.andWhere('u.facility_id = :fac', { fac: q.facilityId });
    if (q.active) qb.andWhere('u.active = :active', { active: q.active === 'true' });
    const [rows, total] = await qb
      .orderBy('u.active', 'DESC')
      .addOrderBy('u.username', 'ASC')
      .take(q.limit ?? 50)
      .skip(q.offset ?? 0)
      .getManyAndCount();
    return [rows.map(account), total];
  }

  find(id: string): Promise<StaffAccount | null> {
    return this.ds.getRepository(UserEntity).findOneBy({ id }).then(orNull);
  }

  lock(m: Tx, id: string): Promise<StaffAccount | null> {
    return m
      .getRepository(UserEntity)
      .createQueryBuilder('u')
      .where('u.id = :id', { id })
      .setLock('pessimistic_write')
      .getOne()
      .then(orNull);
  }

  /** Inserts a new account; the saved account. A taken user name rejects with the unique violation. */
  async insert(m: Tx, v: NewUser): Promise<StaffAccount> {
    const entity = m.create(UserEntity, v);
    await m.save(entity);
    return account(entity);
  }

  /** Writes the fields an administrator changes (role, placement, names, state); the account as saved. */
  async save(m: Tx, user: StaffAccount): Promise<StaffAccount> {
    const { role, facilityId, specialty, readingCentreId, displayNameZh, displayNameEn, active, onDuty } = user;
    await m
      .getRepository(UserEntity)
      .update(
        { id: user.id },
        { role, facilityId, specialty, readingCentreId, displayNameZh, displayNameEn, active, onDuty },
      );
    return account(await m.getRepository(UserEntity).findOneByOrFail({ id: user.id }));
  }

  /** Sets a new password hash and lifts the account's lock-out. */
  async setPassword(m: Tx, id: string, passwordHash: string): Promise<void> {
    await m.update(UserEntity, { id }, { passwordHash, failedLogins: 0, lockedUntil: null });
  }

  /** Forgets the password counters of an account (every address, and the hard limit). */
  async clearAccountThrottle(m: Tx, accountKey: string): Promise<void> {
    await m.query(
      `DELETE FROM auth_throttle
        WHERE (scope = 'account' AND key_hash = $1) OR (scope = 'account_address' AND starts_with(key_hash, $1 || ':'))`,
      [accountKey],
    );
  }

  /** The kind and state of the facility an account is placed at. */
  async facility(m: Tx, id: string): Promise<{ kind: FacilityKind; active: boolean } | null> {
    const f = await m.getRepository(FacilityEntity).findOneBy({ id });
    return f ? { kind: f.kind, active: f.active } : null;
  }

  /** The hub's reading centre of a service, where a specialist of its specialty is placed. */
  async readingCentre(m: Tx, hubId: string, service: Service): Promise<{ id: string } | null> {
    const c = await m.getRepository(ReadingCentreEntity).findOneBy({ hubId, service });
    return c ? { id: c.id } : null;
  }

  /** How many active administrators there are besides this account. */
  async otherActiveAdmins(m: Tx, exceptId: string): Promise<number> {
    const [{ n }] = await m.query<[{ n: number }]>(
      `SELECT count(*)::int AS n FROM app_user WHERE role = 'admin' AND active AND id <> $1`,
      [exceptId],
    );
    return n;
  }

  /** Revokes the account's live refresh tokens; how many. */
  async revokeSessions(m: Tx, userId: string): Promise<number> {
    const result = await m.query<[unknown[], number]>(
      'UPDATE refresh_token SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL',
      [userId],
    );
    return result[1];
  }
}
