import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { UserEntity } from '#src/modules/auth/user.entity.js';
import { FacilityEntity, ReadingCentreEntity, type ReadingService } from '#src/modules/facilities/facility.entity.js';
import type { ListUsersDto } from './dto.js';

/** A transaction's manager, for the service to pass back (and to the audit). */
export type Tx = EntityManager;

/** The fields of a new account (the database fills its id, counters and timestamps). */
export type NewUser = Pick<
  UserEntity,
  | 'username'
  | 'passwordHash'
  | 'role'
  | 'facilityId'
  | 'specialty'
  | 'readingCentreId'
  | 'displayNameZh'
  | 'displayNameEn'
  | 'active'
  | 'onDuty'
>;

// The only file of the feature that reads and writes staff accounts (app_user) for the administrator.
@Injectable()
export class UserRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  transaction<T>(fn: (m: Tx) => Promise<T>): Promise<T> {
    return this.ds.transaction(fn);
  }

  /** One page of accounts (active first, by user name) and how many match. */
  list(q: ListUsersDto): Promise<[UserEntity[], number]> {
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
    return qb
      .orderBy('u.active', 'DESC')
      .addOrderBy('u.username', 'ASC')
      .take(q.limit ?? 50)
      .skip(q.offset ?? 0)
      .getManyAndCount();
  }

  find(id: string): Promise<UserEntity | null> {
    return this.ds.getRepository(UserEntity).findOneBy({ id });
  }

  lock(m: Tx, id: string): Promise<UserEntity | null> {
    return m
      .getRepository(UserEntity)
      .createQueryBuilder('u')
      .where('u.id = :id', { id })
      .setLock('pessimistic_write')
      .getOne();
  }

  /** Inserts a new account; the saved entity. A taken user name rejects with the unique violation. */
  async insert(m: Tx, v: NewUser): Promise<UserEntity> {
    const entity = m.create(UserEntity, v);
    await m.save(entity);
    return entity;
  }

  async save(m: Tx, user: UserEntity): Promise<void> {
    await m.save(user);
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

  facility(m: Tx, id: string): Promise<FacilityEntity | null> {
    return m.getRepository(FacilityEntity).findOneBy({ id });
  }

  readingCentre(m: Tx, hubId: string, service: ReadingService): Promise<ReadingCentreEntity | null> {
    return m.getRepository(ReadingCentreEntity).findOneBy({ hubId, service });
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
