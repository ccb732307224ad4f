import { DataSource, type EntityManager } from 'typeorm';
import { dataSourceOptions } from '#src/database/data-source.js';

/** The seeding transaction's manager, passed back to the methods below. */
export type Tx = EntityManager;

// The demo seed's SQL, over a connection of its own (the seed runs before the application starts).
export class DemoNetworkRepository {
  private constructor(private readonly ds: DataSource) {}

  /** Opens a connection to the database (no entities, no migrations: the seed writes plain SQL). */
  static async open(databaseUrl: string): Promise<DemoNetworkRepository> {
    const ds = new DataSource({ ...dataSourceOptions(databaseUrl), entities: [], migrations: [] });
    await ds.initialize();
    return new DemoNetworkRepository(ds);
  }

  close(): Promise<void> {
    return this.ds.destroy();
  }

  transaction<T>(fn: (m: Tx) => Promise<T>): Promise<T> {
    return this.ds.transaction(fn);
  }

  async facilityCount(): Promise<number> {
    const [{ n }] = await this.ds.query<[{ n: number }]>('SELECT count(*)::int AS n FROM facility');
    return n;
  }

  async insertHub(m: Tx, h: { code: string; nameZh: string; nameEn: string; address: string }): Promise<string> {
    const [hub] = await m.query<[{ id: string }]>(
      `INSERT INTO facility (code, kind, name_zh, name_en, address) VALUES ($1, 'hub', $2, $3, $4) RETURNING id`,
      [h.code, h.nameZh, h.nameEn, h.address],
    );
    return hub.id;
  }

  async insertCentre(m: Tx, c: { code: string; nameZh: string; nameEn: string }, hubId: string): Promise<string> {
    const [row] = await m.query<[{ id: string }]>(
      `INSERT INTO facility (code, kind, name_zh, name_en, hub_id) VALUES ($1, 'community', $2, $3, $4) RETURNING id`,
      [c.code, c.nameZh, c.nameEn, hubId],
    );
    return row.id;
  }

  async insertReadingCentre(m: Tx, hubId: string, service: string, nameZh: string, nameEn: string): Promise<string> {
    const [row] = await m.query<[{ id: string }]>(
      `INSERT INTO reading_centre (hub_id, service, name_zh, name_en) VALUES ($1, $2, $3, $4) RETURNING id`,
      [hubId, service, nameZh, nameEn],
    );
    return row.id;
  }

  async insertUser(
    m: Tx,
    u: {
      username: string;
      passwordHash: string;
      role: string;
      facilityId: string | null;
      specialty: string | null;
      readingCentreId: string | null;
      nameZh: string;
      nameEn: string;
      onDuty: boolean;
    },
  ): Promise<void> {
    await m.query(
      `INSERT INTO app_user (username, password_hash, role, facility_id, specialty, reading_centre_id,
                             display_name_zh, display_name_en, on_duty)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [u.username, u.passwordHash, u.role, u.facilityId, u.specialty, u.readingCentreId, u.nameZh, u.nameEn, u.onDuty],
    );
  }

  async insertPatient(
    m: Tx,
    p: {
      homeFacilityId: string | undefined;
      mrn: string;
      family: string;
      given: string;
      pinyin: string;
      initials: string;
      sex: string;
      birthDate: string;
    },
  ): Promise<void> {
    await m.query(
      `INSERT INTO patient (home_facility_id, mrn, family_name_zh, given_name_zh, name_pinyin, pinyin_initials, sex, birth_date)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [p.homeFacilityId, p.mrn, p.family, p.given, p.pinyin, p.initials, p.sex, p.birthDate],
    );
  }
}
