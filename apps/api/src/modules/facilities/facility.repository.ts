import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { FacilityEntity, ReadingCentreEntity, type ReadingService } from './facility.entity.js';

/** A transaction's manager, for the service to pass back (and to the audit and the outbox). */
export type Tx = EntityManager;

/** The fields of a new facility (the database fills its id and timestamps). */
export type NewFacility = Pick<
  FacilityEntity,
  'code' | 'kind' | 'nameZh' | 'nameEn' | 'hubId' | 'address' | 'phone' | 'active'
>;

// The only file of the feature that reads and writes the facility and reading_centre tables.
@Injectable()
export class FacilityRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  transaction<T>(fn: (m: Tx) => Promise<T>): Promise<T> {
    return this.ds.transaction(fn);
  }

  /** Hubs first, then by code. */
  listFacilities(): Promise<FacilityEntity[]> {
    return this.ds.getRepository(FacilityEntity).find({ order: { kind: 'DESC', code: 'ASC' } });
  }

  /** Every reading centre; by service unless `ordered` is false (a new facility's answer reads them unordered). */
  readingCentres(m: Tx = this.ds.manager, ordered = true): Promise<ReadingCentreEntity[]> {
    const repo = m.getRepository(ReadingCentreEntity);
    return ordered ? repo.find({ order: { service: 'ASC' } }) : repo.find();
  }

  find(id: string, m: Tx = this.ds.manager): Promise<FacilityEntity | null> {
    return m.getRepository(FacilityEntity).findOneBy({ id });
  }

  findOrFail(m: Tx, id: string): Promise<FacilityEntity> {
    return m.getRepository(FacilityEntity).findOneByOrFail({ id });
  }

  lock(m: Tx, id: string): Promise<FacilityEntity | null> {
    return m
      .getRepository(FacilityEntity)
      .createQueryBuilder('f')
      .where('f.id = :id', { id })
      .setLock('pessimistic_write')
      .getOne();
  }

  /** Inserts a new facility; the saved entity (with its id). A taken code rejects with the unique violation. */
  async insert(m: Tx, v: NewFacility): Promise<FacilityEntity> {
    const entity = m.create(FacilityEntity, v);
    await m.save(entity);
    return entity;
  }

  /** Saves a changed facility. A taken code rejects with the unique violation. */
  async save(m: Tx, entity: FacilityEntity): Promise<void> {
    await m.save(entity);
  }

  /** Locks the hub a reading centre belongs to. */
  async lockHubOfCentre(m: Tx, centreId: string): Promise<void> {
    await m.query('SELECT 1 FROM facility WHERE id = (SELECT hub_id FROM reading_centre WHERE id = $1) FOR UPDATE', [
      centreId,
    ]);
  }

  readingCentre(m: Tx, id: string): Promise<ReadingCentreEntity | null> {
    return m.getRepository(ReadingCentreEntity).findOneBy({ id });
  }

  centresOfHub(m: Tx, hubId: string): Promise<ReadingCentreEntity[]> {
    return m.getRepository(ReadingCentreEntity).findBy({ hubId });
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

  async insertCentre(
    m: Tx,
    v: { hubId: string; service: ReadingService; nameZh: string; nameEn: string },
  ): Promise<void> {
    await m.getRepository(ReadingCentreEntity).insert(v);
  }
}
