import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FacilityKind, Service } from '@zhiyin/workflow';
import { DataSource, type EntityManager } from 'typeorm';
import { FacilityEntity, ReadingCentreEntity } from './facility.entity.js';

/** A transaction's manager, for the service to pass back (and to the audit and the outbox). */
export type Tx = EntityManager;

/** A facility as the service works with it: a plain value, never a live entity. */
export interface Facility {
  readonly id: string;
  readonly code: string;
  readonly kind: FacilityKind;
  readonly nameZh: string;
  readonly nameEn: string;
  readonly hubId: string | null;
  readonly address: string | null;
  readonly phone: string | null;
  readonly active: boolean;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** A hub reading centre as the service works with it. */
export interface ReadingCentre {
  readonly id: string;
  readonly hubId: string;
  readonly service: Service;
  readonly nameZh: string;
  readonly nameEn: string;
}

/** The fields of a new facility (the database fills its id and timestamps). */
export type NewFacility = Omit<Facility, 'id' | 'createdAt' | 'updatedAt'>;

/** The fields of a facility an administrator changes. */
export type FacilityChanges = Partial<Pick<Facility, 'code' | 'nameZh' | 'nameEn' | 'hubId' | 'address' | 'phone'>>;

const facility = (e: FacilityEntity): Facility => ({
  id: e.id,
  code: e.code,
  kind: e.kind,
  nameZh: e.nameZh,
  nameEn: e.nameEn,
  hubId: e.hubId,
  address: e.address,
  phone: e.phone,
  active: e.active,
  createdAt: e.createdAt,
  updatedAt: e.updatedAt,
});

const centre = (e: ReadingCentreEntity): ReadingCentre => ({
  id: e.id,
  hubId: e.hubId,
  service: e.service,
  nameZh: e.nameZh,
  nameEn: e.nameEn,
});

const orNull =
  <E, T>(map: (e: E) => T) =>
  (e: E | null) =>
    e ? map(e) : null;

// The only file of the feature that reads and writes the facility and reading_centre tables. It answers plain
// values (Facility, ReadingCentre): the entities stay inside it.
@Injectable()
export class FacilityRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  transaction<T>(fn: (m: Tx) => Promise<T>): Promise<T> {
    return this.ds.transaction(fn);
  }

  /** Hubs first, then by code. */
  async listFacilities(): Promise<Facility[]> {
    return (await this.ds.getRepository(FacilityEntity).find({ order: { kind: 'DESC', code: 'ASC' } })).map(facility);
  }

  /** Every reading centre; by service unless `ordered` is false (a new facility's answer reads them unordered). */
  async readingCentres(m: Tx = this.ds.manager, ordered = true): Promise<ReadingCentre[]> {
    const repo = m.getRepository(ReadingCentreEntity);
    return (ordered ? await repo.find({ order: { service: 'ASC' } }) : await repo.find()).map(centre);
  }

  find(id: string, m: Tx = this.ds.manager): Promise<Facility | null> {
    return m.getRepository(FacilityEntity).findOneBy({ id }).then(orNull(facility));
  }

  findOrFail(m: Tx, id: string): Promise<Facility> {
    return m.getRepository(FacilityEntity).findOneByOrFail({ id }).then(facility);
  }

  lock(m: Tx, id: string): Promise<Facility | null> {
    return m
      .getRepository(FacilityEntity)
      .createQueryBuilder('f')
      .where('f.id = :id', { id })
      .setLock('pessimistic_write')
      .getOne()
      .then(orNull(facility));
  }

  /** Inserts a new facility; the saved facility (with its id). A taken code rejects with the unique violation. */
  async insert(m: Tx, v: NewFacility): Promise<Facility> {
    const entity = m.create(FacilityEntity, v);
    await m.save(entity);
    return facility(entity);
  }

  /** Changes a facility's fields; the facility as saved. A taken code rejects with the unique violation. */
  async update(m: Tx, id: string, changes: FacilityChanges): Promise<Facility> {
    await m.getRepository(FacilityEntity).update({ id }, changes);
    return this.findOrFail(m, id);
  }

  /** Locks the hub a reading centre belongs to. */
  async lockHubOfCentre(m: Tx, centreId: string): Promise<void> {
    await m.query('SELECT 1 FROM facility WHERE id = (SELECT hub_id FROM reading_centre WHERE id = $1) FOR UPDATE', [
      centreId,
    ]);
  }

  readingCentre(m: Tx, id: string): Promise<ReadingCentre | null> {
    return m.getRepository(ReadingCentreEntity).findOneBy({ id }).then(orNull(centre));
  }

  async centresOfHub(m: Tx, hubId: string): Promise<ReadingCentre[]> {
    return (await m.getRepository(ReadingCentreEntity).findBy({ hubId })).map(centre);
  }

  async renameCentre(m: Tx, id: string, names: { nameZh: string; nameEn: string }): Promise<void> {
    await m.getRepository(ReadingCentreEntity).update({ id }, names);
  }

  /** The community centres a hub reads for. */
  servedBy(m: Tx, hubId: string): Promise<{ id: string }[]> {
    return m.query<{ id: string }[]>('SELECT id FROM facility WHERE hub_id = $1', [hubId]);
  }

  async lockState(m: Tx, id: string): Promise<{ id: string; kind: string; active: boolean } | undefined> {
    const [row] = await m.query<{ id: string; kind: string; active: boolean }[]>(
      'SELECT id, kind, active FROM facility WHERE id = $1 FOR UPDATE',
      [id],
    );
    return row;
  }

  /** How many active community centres send to this hub. */
  async activeCommunityCentres(m: Tx, hubId: string): Promise<number> {
    const [{ n }] = await m.query<[{ n: number }]>(
      'SELECT count(*)::int AS n FROM facility WHERE hub_id = $1 AND active',
      [hubId],
    );
    return n;
  }

  async setActive(m: Tx, id: string, active: boolean): Promise<void> {
    await m.query('UPDATE facility SET active = $2, updated_at = now() WHERE id = $1', [id, active]);
  }

  /** Revokes every live refresh token of the facility's accounts; how many. */
  async revokeSessionsOf(m: Tx, facilityId: string): Promise<number> {
    return (
      await m.query<[unknown[], number]>(
        `UPDATE refresh_token SET revoked_at = now()
          WHERE revoked_at IS NULL AND user_id IN (SELECT id FROM app_user WHERE facility_id = $1)`,
        [facilityId],
      )
    )[1];
  }

  /** The specialists and duty shifts that still belong to a reading centre. */
  async centreUse(m: Tx, centreId: string): Promise<{ users: number; shifts: number }> {
    const [row] = await m.query<[{ users: number; shifts: number }]>(
      `SELECT (SELECT count(*)::int FROM app_user WHERE reading_centre_id = $1) AS users,
              (SELECT count(*)::int FROM duty_shift WHERE reading_centre_id = $1) AS shifts`,
      [centreId],
    );
    return row;
  }

  async deleteCentre(m: Tx, id: string): Promise<void> {
    await m.getRepository(ReadingCentreEntity).delete({ id });
  }

  async insertCentre(m: Tx, v: Omit<ReadingCentre, 'id'>): Promise<void> {
    await m.getRepository(ReadingCentreEntity).insert(v);
  }
}
