import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { AeCharacterSet, AeKind, DicomAeView } from '@zhiyin/contracts';

/** A calling AE that may associate, with the centre whose scope it acts in. */
export interface KnownAe extends DicomAeView {
  facilityKind: 'hub' | 'community';
  /** a workstation: the service its reading centre reads (its scope is that of the centre's specialists) */
  readingCentreService: 'ECG' | 'IMAGING' | null;
}

interface Row {
  id: string;
  ae_title: string;
  facility_id: string;
  kind: AeKind;
  modality: string | null;
  reading_centre_id: string | null;
  host: string | null;
  port: number | null;
  character_set: AeCharacterSet;
  active: boolean;
  created_at: Date;
  facility_kind?: 'hub' | 'community';
  reading_centre_service?: 'ECG' | 'IMAGING' | null;
}

const toView = (r: Row): DicomAeView => ({
  id: r.id,
  aeTitle: r.ae_title,
  facilityId: r.facility_id,
  kind: r.kind,
  modality: r.modality,
  readingCentreId: r.reading_centre_id,
  host: r.host,
  port: r.port,
  characterSet: r.character_set,
  active: r.active,
  createdAt: r.created_at.toISOString(),
});

const COLUMNS = `a.id, a.ae_title, a.facility_id, a.kind, a.modality, a.reading_centre_id, host(a.host) AS host,
                 a.port, a.character_set, a.active, a.created_at`;

// The only file of the feature that reads and writes the dicom_ae table.
@Injectable()
export class DicomAeRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** One transaction; the service passes its manager back to the methods below (and to the audit). */
  transaction<T>(fn: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(fn);
  }

  async list(): Promise<DicomAeView[]> {
    const rows = await this.ds.query<Row[]>(`SELECT ${COLUMNS} FROM dicom_ae a ORDER BY a.ae_title`);
    return rows.map(toView);
  }

  /** The character set each of a centre's active modality AEs is answered in (its gateway's worklist needs them). */
  async characterSetsOf(facilityId: string): Promise<{ aeTitle: string; characterSet: AeCharacterSet }[]> {
    const rows = await this.ds.query<Pick<Row, 'ae_title' | 'character_set'>[]>(
      `SELECT a.ae_title, a.character_set FROM dicom_ae a
        WHERE a.facility_id = $1 AND a.active AND a.kind = 'modality' ORDER BY a.ae_title`,
      [facilityId],
    );
    return rows.map((r) => ({ aeTitle: r.ae_title, characterSet: r.character_set }));
  }

  async get(id: string, m: EntityManager = this.ds.manager): Promise<DicomAeView | undefined> {
    const [row] = await m.query<Row[]>(`SELECT ${COLUMNS} FROM dicom_ae a WHERE a.id = $1`, [id]);
    return row && toView(row);
  }

  /** The active AE with this title whose centre is active, or nothing (the association is refused then). */
  async findCalling(aeTitle: string): Promise<KnownAe | undefined> {
    const [row] = await this.ds.query<Row[]>(
      `SELECT ${COLUMNS}, f.kind AS facility_kind, rc.service AS reading_centre_service
         FROM dicom_ae a JOIN facility f ON f.id = a.facility_id
         LEFT JOIN reading_centre rc ON rc.id = a.reading_centre_id AND rc.hub_id = a.facility_id
        WHERE a.ae_title = $1 AND a.active AND f.active`,
      [aeTitle],
    );
    return (
      row && {
        ...toView(row),
        facilityKind: row.facility_kind!,
        readingCentreService: row.reading_centre_service ?? null,
      }
    );
  }

  /**
   * A C-MOVE destination for a workstation (PS3.4 C.4.2.1.2): an active workstation of the same reading centre
   * with an address and a port; anything else is unknown to the hub.
   */
  async findMoveDestination(
    aeTitle: string,
    readingCentreId: string,
  ): Promise<{ host: string; port: number } | undefined> {
    const [row] = await this.ds.query<{ host: string; port: number }[]>(
      `SELECT host(a.host) AS host, a.port FROM dicom_ae a JOIN facility f ON f.id = a.facility_id
        WHERE a.ae_title = $1 AND a.kind = 'workstation' AND a.reading_centre_id = $2 AND a.active AND f.active
          AND a.host IS NOT NULL AND a.port IS NOT NULL`,
      [aeTitle, readingCentreId],
    );
    return row;
  }

  async insert(m: EntityManager, v: Omit<DicomAeView, 'id' | 'createdAt' | 'active'>): Promise<DicomAeView> {
    const [row] = await m.query<Row[]>(
      `WITH a AS (
         INSERT INTO dicom_ae (ae_title, facility_id, kind, modality, reading_centre_id, host, port, character_set)
         VALUES ($1, $2, $3, $4, $5, $6::inet, $7, $8) RETURNING *)
       SELECT ${COLUMNS} FROM a`,
      [v.aeTitle, v.facilityId, v.kind, v.modality, v.readingCentreId, v.host, v.port, v.characterSet],
    );
    return toView(row!);
  }

  async update(
    m: EntityManager,
    id: string,
    v: Pick<DicomAeView, 'modality' | 'host' | 'port' | 'characterSet' | 'active'>,
  ): Promise<DicomAeView | undefined> {
    const [row] = await m.query<Row[]>(
      `WITH a AS (
         UPDATE dicom_ae SET modality = $2, host = $3::inet, port = $6, character_set = $4, active = $5, updated_at = now()
          WHERE id = $1 RETURNING *)
       SELECT ${COLUMNS} FROM a`,
      [id, v.modality, v.host, v.characterSet, v.active, v.port],
    );
    return row && toView(row);
  }

  async lock(m: EntityManager, id: string): Promise<DicomAeView | undefined> {
    const [row] = await m.query<Row[]>(`SELECT ${COLUMNS} FROM dicom_ae a WHERE a.id = $1 FOR UPDATE`, [id]);
    return row && toView(row);
  }

  /** The facility's kind and activity, and whether a reading centre belongs to it. */
  async facility(
    m: EntityManager,
    facilityId: string,
    readingCentreId: string | null,
  ): Promise<{ kind: 'hub' | 'community'; centreOfHub: boolean } | undefined> {
    const [row] = await m.query<{ kind: 'hub' | 'community'; centre_of_hub: boolean }[]>(
      `SELECT f.kind, EXISTS (SELECT 1 FROM reading_centre r WHERE r.id = $2::uuid AND r.hub_id = f.id) AS centre_of_hub
         FROM facility f WHERE f.id = $1`,
      [facilityId, readingCentreId],
    );
    return row && { kind: row.kind, centreOfHub: row.centre_of_hub };
  }
}
