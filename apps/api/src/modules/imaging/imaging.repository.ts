import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DicomJsonDataset } from '@zhiyin/dicom';
import { assertNever, ECG_MODALITY, type PriorsScope, type StudyReadScope } from '@zhiyin/workflow';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import type { AnalysedPart, PixelInfo } from './analyse-part.js';
import { nameKeys, SERIES_LEVEL_TAGS, STUDY_LEVEL_TAGS } from './levels.js';
import { FAILURE, type PartFailure } from './stow-status.js';

/** A stored file to send, as WADO-RS retrieval finds it. */
export interface RetrieveRow {
  study_id: string;
  patient_id: string | null;
  study_instance_uid: string;
  series_instance_uid: string;
  sop_instance_uid: string;
  transfer_syntax_uid: string;
  sha256: string;
  size_bytes: number;
}

/** An instance with what WADO-RS metadata, frames, rendering and bulk data read. */
export interface InstanceRow {
  study_id: string;
  patient_id: string | null;
  study_instance_uid: string;
  series_instance_uid: string;
  sop_instance_uid: string;
  transfer_syntax_uid: string;
  sha256: string;
  size_bytes: string;
  pixel_data: PixelInfo | null;
  metadata: DicomJsonDataset;
}

// An instance with its study and series: the columns of InstanceRow (the scoped read and the read ahead of a reader).
const INSTANCE_ROWS = `SELECT st.id AS study_id, st.patient_id, st.study_instance_uid, se.series_instance_uid, i.sop_instance_uid,
              i.transfer_syntax_uid, i.sha256, i.size_bytes, i.pixel_data, i.metadata
         FROM instance i JOIN series se ON se.id = i.series_id JOIN study st ON st.id = i.study_id`;

/** A study, series or instance named in a DICOMweb request path. */
export interface StudyTarget {
  studyUid: string;
  seriesUid?: string;
  sopInstanceUid?: string;
}

/**
 * The SQL condition that keeps a query on `study` (under `alias`) within a reader's scope, built from the one rule
 * in packages/workflow (`studyReadScope`) for every DICOMweb read: QIDO-RS and WADO-RS cannot disagree.
 * `param` adds a value to the query's parameters and returns its placeholder.
 */
export function studyScopeFilter(scope: StudyReadScope, param: (value: unknown) => string, alias = 'st'): string {
  switch (scope.kind) {
    case 'sent_by_facility': {
      const facility = param(scope.facilityId);
      const reads = `(pr.origin_facility_id = ${facility}::uuid OR pr.destination_facility_id = ${facility}::uuid)`;
      return `(${alias}.facility_id = ${facility}::uuid OR ${priorFilter(scope.priors, reads, param, alias)})`;
    }
    case 'referred_to_hub': {
      const direction = param(scope.direction);
      const hub = param(scope.hubId);
      const services = param(scope.services);
      const own = `EXISTS (SELECT 1 FROM referral sr JOIN facility so ON so.id = sr.origin_facility_id
                       WHERE sr.id = ${alias}.referral_id AND sr.direction = ${direction}
                         AND so.hub_id = ${hub}::uuid AND sr.service = ANY(${services}::text[])
                         AND sr.state <> ALL(${param(scope.hiddenStates)}::text[]))`;
      const reads = `(pr.direction = ${direction} AND po.hub_id = ${hub}::uuid AND pr.service = ANY(${services}::text[]))`;
      return `(${own} OR ${priorFilter(scope.priors, reads, param, alias)})`;
    }
    case 'none':
      return 'false';
    default:
      return assertNever(scope);
  }
}

/**
 * The priors rule of packages/workflow (`PriorsScope`) in SQL: the study is filed under a patient who has a referral
 * in an open state that the reader reads (`reads`, over `pr` and its origin centre `po`) of the service that reads
 * the study (`serviceOfStudy`: ECG studies the ECG service, the others imaging), and is not itself linked to a
 * referral not sent yet.
 */
function priorFilter(priors: PriorsScope, reads: string, param: (value: unknown) => string, alias: string): string {
  return `(${alias}.patient_id IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM referral hr WHERE hr.id = ${alias}.referral_id AND hr.state = ANY(${param(priors.hiddenStates)}::text[]))
    AND EXISTS (SELECT 1 FROM referral pr JOIN facility po ON po.id = pr.origin_facility_id
                 WHERE pr.patient_id = ${alias}.patient_id AND pr.state = ANY(${param(priors.states)}::text[])
                   AND pr.service = (CASE WHEN ${param(ECG_MODALITY)} = ANY(${alias}.modalities) THEN 'ECG' ELSE 'IMAGING' END)
                   AND ${reads}))`;
}

/** A placeholder maker over a parameter list (`$1`, `$2`, …). */
export function placeholders(params: unknown[]): (value: unknown) => string {
  return (value) => {
    params.push(value);
    return `$${params.length}`;
  };
}

function targetFilter(t: StudyTarget, param: (value: unknown) => string): string {
  let where = `st.study_instance_uid = ${param(t.studyUid)}`;
  if (t.seriesUid) where += ` AND se.series_instance_uid = ${param(t.seriesUid)}`;
  if (t.sopInstanceUid) where += ` AND i.sop_instance_uid = ${param(t.sopInstanceUid)}`;
  return where;
}

/** A study's filing, as `filing` reads it. */
export interface FilingRow {
  study_id: string;
  study_instance_uid: string;
  readable: boolean;
  dicom_patient_id: string | null;
  patient_name: { Alphabetic?: string; Ideographic?: string; Phonetic?: string } | null;
  patient_sex: string | null;
  patient_birth_date: string | null;
  patient_id: string | null;
  mrn: string | null;
  name_zh: string | null;
  name_pinyin: string | null;
  sex: string | null;
  birth_date: string | null;
  referral_id: string | null;
  referral_number: string | null;
}

/** One instance ready to be indexed: its study UID (for the lock order) and its row data as JSON. */
export interface IndexItem {
  studyUid: string;
  /** its file's name in the store */
  sha256: string;
  /** a JSON object, the fields that `imaging_index_instances` reads */
  json: string;
}

/** The instances of one STOW-RS request, with who sent them (the audit rows commit with the index). */
export interface IndexJob {
  items: IndexItem[];
  context: {
    facilityId: string;
    userId: string | null;
    actorId: string;
    actorRole: string;
    requestId: string | null;
    /** the client's own request id (X-Request-Id), kept beside the server's as AuditService keeps it */
    clientRequestId: string | null;
    clientIp: string | null;
    /** parts refused before indexing, counted by reason code */
    refused: Record<string, number>;
  };
  /** aborted when the client went away: a job still waiting for its batch is dropped, never written */
  signal?: AbortSignal;
  /**
   * Settles once every file of the job is whole under its name (not yet flushed). The rows are committed then,
   * with each file named in blob_unflushed, while the files are flushed: the two flushes (the files' and
   * PostgreSQL's log) overlap rather than queue. The caller answers only once the files are durable too, and
   * unnames them then (UnflushedFiles). Rejected: nothing of the job is committed.
   */
  written: Promise<void>;
  /** Settles once the job's files are durable (flushed with their directory entries): a large job waits for it. */
  durable: Promise<void>;
}

export type StoreOutcome =
  | { kind: 'stored'; studyId: string; patientId: string | null }
  | { kind: 'already-stored'; studyId: string; patientId: string | null }
  | PartFailure;

// A UID the index cannot take is answered the same way whatever the reason: a study UID another
// centre already used must not be told apart from any other UID refusal, or a centre could probe
// which studies exist elsewhere. (The index itself still tells them apart, for the audit trail.)
const UID_NOT_ACCEPTED: PartFailure = {
  code: 'UID_NOT_ACCEPTED',
  message:
    'This instance cannot be stored under its Study or Series Instance UID. Check the UIDs the modality assigned, or give the study new UIDs.',
  reason: FAILURE.PROCESSING_FAILURE,
};

const INDEX_FAILURES: Record<string, PartFailure> = {
  STUDY_OF_ANOTHER_CENTRE: UID_NOT_ACCEPTED,
  SERIES_IN_ANOTHER_STUDY: UID_NOT_ACCEPTED,
  DUPLICATE_SOP_INSTANCE: {
    code: 'DUPLICATE_SOP_INSTANCE',
    message: 'An instance with this SOP Instance UID is already stored with different content; it was not replaced.',
    reason: FAILURE.DUPLICATE_SOP_INSTANCE,
  },
};

// Concurrent requests share one indexing statement (and so one commit) while up to this many
// instances wait. A larger request is indexed on its own, in statements of CHUNK_ITEMS instances
// within one transaction: it never needs all its rows in one message, and each message stays
// small enough (~100 KB) to be a short-lived object rather than one that only a full garbage
// collection frees.
const BATCH_ITEMS = 256;
const CHUNK_ITEMS = 32;
// A batch waits this long for its files to be written, its rows written meanwhile. A file slower than that (a
// stalled disk) must not hold every other request's index back: the batch is rolled back, and each of its jobs
// joins a later batch once its files are written.
const WRITTEN_WAIT_MS = 2000;

/** The files of a batch were not written in time: nothing was committed (see WRITTEN_WAIT_MS). */
class StillWriting extends Error {}

// Which attributes the study and series rows keep (the study also every Patient attribute, 0010xxxx).
const LEVELS = JSON.stringify({ study: [...STUDY_LEVEL_TAGS], series: [...SERIES_LEVEL_TAGS] });

const INDEX_SQL =
  'SELECT out_item, out_result, out_study, out_patient FROM imaging_index_instances($1::jsonb, $2::jsonb, $3::jsonb, $4)';
// The same, committed while the files it names are still being flushed: they are named in blob_unflushed by the
// same statement.
const INDEX_UNFLUSHED_SQL = `WITH unflushed AS (
    INSERT INTO blob_unflushed (sha256) SELECT DISTINCT unnest($5::text[]) ON CONFLICT (sha256) DO NOTHING)
  ${INDEX_SQL}`;

interface IndexRow {
  out_item: number;
  out_result: string;
  out_study: string | null;
  out_patient: string | null;
}

interface Waiting {
  job: IndexJob;
  resolve: (outcomes: StoreOutcome[]) => void;
  reject: (err: unknown) => void;
}

// The summary gives DA values as YYYYMMDD (dotted ACR-NEMA dates normalised); what is not a real date is left out
// of the date column rather than failing the whole batch on the cast.
const dicomDate = (da: string | undefined) => {
  if (!da || !/^\d{8}$/.test(da)) return null;
  const iso = `${da.slice(0, 4)}-${da.slice(4, 6)}-${da.slice(6, 8)}`;
  const parsed = new Date(`${iso}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === iso ? iso : null;
};

/** The row data of an analysed instance, as `imaging_index_instances` reads it. */
export function indexItem(part: AnalysedPart, sha256: string, size: number): IndexItem {
  const s = part.summary;
  const json = JSON.stringify({
    studyUid: s.studyInstanceUid,
    patientId: s.patientId ?? null,
    patientName: s.patientName ?? null,
    nameKeys: nameKeys(s.patientName),
    birthDate: s.patientBirthDate ?? null,
    sex: s.sex ?? null,
    studyDate: dicomDate(s.studyDate),
    studyTime: s.studyTime ?? null,
    accessionNumber: s.accessionNumber ?? null,
    studyId: firstValue(part.metadata, '00200010'),
    studyDescription: s.studyDescription ?? null,
    seriesUid: s.seriesInstanceUid,
    modality: s.modality ?? null,
    seriesNumber: s.seriesNumber ?? null,
    seriesDescription: s.seriesDescription ?? null,
    sopInstanceUid: s.sopInstanceUid,
    sopClassUid: s.sopClassUid,
    instanceNumber: s.instanceNumber ?? null,
    transferSyntaxUid: s.transferSyntaxUid,
    sha256,
    size,
    rows: s.rows ?? null,
    columns: s.columns ?? null,
    numberOfFrames: s.numberOfFrames ?? null,
    pixel: part.pixel,
    metadata: part.metadata,
  });
  return { studyUid: s.studyInstanceUid, sha256, json };
}

// The only place that writes and reads the imaging index with SQL.
@Injectable()
export class ImagingRepository {
  private waiting: Waiting[] = [];
  private flushing = false;

  constructor(@InjectDataSource() readonly ds: DataSource) {}

  /** The driver's connection pool: prepared statements, without the ORM's per-query work. */
  get pool(): Pool {
    return (this.ds.driver as unknown as { master: Pool }).master;
  }

  /**
   * Indexes instances and audits the request, in one transaction: the rows are written while the job's files are
   * written and committed once they are whole under their names (`written`), named in blob_unflushed until they
   * are durable. Requests that arrive while a batch is being written are written together in the next one: one
   * commit, one flush of PostgreSQL's log for all of them, where each flush competes with the files' for the disk.
   * A job larger than a batch waits until its files are durable and is written in a transaction of its own.
   */
  index(job: IndexJob): Promise<StoreOutcome[]> {
    if (job.items.length > BATCH_ITEMS) return job.durable.then(() => this.writeLarge(job));
    return new Promise((resolve, reject) => {
      this.waiting.push({ job, resolve, reject });
      this.kick();
    });
  }

  // Starts the next batch unless one is being written.
  private kick(): void {
    if (this.flushing || this.waiting.length === 0) return;
    void this.flush();
  }

  /**
   * Finds the stored files of a study, series or instance within a reader's scope and writes the audit row of
   * their retrieval, in one statement: the row is committed before a byte is sent, and nothing is
   * audited here when nothing is found (the caller audits the refusal).
   */
  async findForRetrieve(
    t: StudyTarget,
    scope: StudyReadScope,
    audit: {
      actorId: string;
      actorRole: string;
      facilityId: string | null;
      requestId: string | null;
      clientRequestId: string | null;
      clientIp: string | null;
      what: string;
    },
  ): Promise<RetrieveRow[]> {
    if (scope.kind === 'none') return [];
    const params: unknown[] = [];
    const param = placeholders(params);
    const where = `${targetFilter(t, param)} AND ${studyScopeFilter(scope, param)}`;
    // One prepared statement per shape of the query (what is named, and the kind of scope).
    const name = `imaging-retrieve-${t.sopInstanceUid ? 'instance' : t.seriesUid ? 'series' : 'study'}-${scope.kind}`;
    const a = params.length;
    params.push(
      audit.actorId,
      audit.actorRole,
      audit.facilityId,
      audit.requestId,
      audit.clientIp,
      audit.what,
      audit.clientRequestId,
    );
    const { rows } = await this.pool.query<RetrieveRow>({
      name,
      text: `WITH found AS (
               SELECT st.id AS study_id, st.patient_id, st.study_instance_uid, se.series_instance_uid, i.sop_instance_uid,
                      i.transfer_syntax_uid, i.sha256, i.size_bytes::float8 AS size_bytes,
                      se.series_number, se.id AS series_id, i.instance_number, i.id
                 FROM instance i JOIN series se ON se.id = i.series_id JOIN study st ON st.id = i.study_id
                WHERE ${where}),
             audited AS (
               INSERT INTO audit_event (actor_id, actor_role, facility_id, action, resource_type, resource_id, patient_id,
                                        outcome, request_id, client_request_id, client_ip, details)
               SELECT $${a + 1}, $${a + 2}, $${a + 3}::uuid, 'study.retrieve', 'study', f.study_id::text, f.patient_id,
                      'success', $${a + 4}, $${a + 7}, $${a + 5},
                      jsonb_build_object('what', $${a + 6}::text, 'instances', (SELECT count(*) FROM found))
                 FROM found f LIMIT 1)
           SELECT study_id, patient_id, study_instance_uid, series_instance_uid, sop_instance_uid, transfer_syntax_uid,
                  sha256, size_bytes
             FROM found
            ORDER BY series_number NULLS LAST, series_id, instance_number NULLS LAST, id`,
      values: params,
    });
    return rows;
  }

  /**
   * One instance by its SOP Instance UID, whoever may read it: only for work the server does ahead of a reader
   * (WadoService.renderAhead), whose result no one receives without their own scoped request.
   */
  async instanceByUid(sopInstanceUid: string): Promise<InstanceRow | undefined> {
    const { rows } = await this.pool.query<InstanceRow>(
      `${INSTANCE_ROWS}
        WHERE i.sop_instance_uid = $1`,
      [sopInstanceUid],
    );
    return rows[0];
  }

  /** The instances of a study, series or one instance within a reader's scope, in series and instance order. */
  async findInstances(t: StudyTarget, scope: StudyReadScope): Promise<InstanceRow[]> {
    if (scope.kind === 'none') return [];
    const params: unknown[] = [];
    const param = placeholders(params);
    const { rows } = await this.pool.query<InstanceRow>(
      `${INSTANCE_ROWS}
        WHERE ${targetFilter(t, param)} AND ${studyScopeFilter(scope, param)}
        ORDER BY se.series_number NULLS LAST, se.id, i.instance_number NULLS LAST, i.id`,
      params,
    );
    return rows;
  }

  /**
   * A QIDO-RS search: the caller's matching conditions, always within the reader's scope (added here, so that no
   * search can leave it out).
   */
  async search<Row>(q: {
    scope: StudyReadScope;
    select: string;
    from: string;
    /** conditions with placeholders $1… into params */
    where: string[];
    params: unknown[];
    order: string;
    limit: number;
    offset: number;
  }): Promise<Row[]> {
    if (q.scope.kind === 'none') return [];
    const params = [...q.params];
    const where = [studyScopeFilter(q.scope, placeholders(params)), ...q.where];
    return this.ds.query<Row[]>(
      `SELECT ${q.select} FROM ${q.from} WHERE ${where.join(' AND ')} ORDER BY ${q.order} LIMIT ${q.limit} OFFSET ${q.offset}`,
      params,
    );
  }

  /**
   * The patient record and referral a study is filed under, with the identity its file carries, and whether the
   * reader's scope reaches it; null when there is no such study.
   */
  async filing(studyUid: string, scope: StudyReadScope): Promise<FilingRow | null> {
    const params: unknown[] = [];
    const param = placeholders(params);
    const { rows } = await this.pool.query<FilingRow>(
      `SELECT st.id AS study_id, st.study_instance_uid, ${studyScopeFilter(scope, param)} AS readable,
              st.dicom_patient_id, st.patient_name, st.patient_sex, st.patient_birth_date,
              p.id AS patient_id, p.mrn, p.family_name_zh || p.given_name_zh AS name_zh, p.name_pinyin, p.sex,
              p.birth_date::text AS birth_date, r.id AS referral_id, r.number AS referral_number
         FROM study st LEFT JOIN patient p ON p.id = st.patient_id LEFT JOIN referral r ON r.id = st.referral_id
        WHERE st.study_instance_uid = ${param(studyUid)}`,
      params,
    );
    return rows[0] ?? null;
  }

  /**
   * Why a retrieval found nothing, for its audit row: the study exists but is outside the reader's scope (its id
   * and patient then name the row), or there is no such study (or series or instance) in scope.
   */
  async refusalFacts(
    t: StudyTarget,
    scope: StudyReadScope,
  ): Promise<{ studyId: string; patientId: string | null; outOfScope: boolean } | null> {
    const params: unknown[] = [];
    const param = placeholders(params);
    const { rows } = await this.pool.query<{ id: string; patient_id: string | null; readable: boolean }>(
      `SELECT st.id, st.patient_id, ${studyScopeFilter(scope, param)} AS readable
         FROM study st WHERE st.study_instance_uid = ${param(t.studyUid)}`,
      params,
    );
    const r = rows[0];
    return r ? { studyId: r.id, patientId: r.patient_id, outOfScope: !r.readable } : null;
  }

  // Writes one batch of what is waiting, then lets kick() start the next.
  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      let n = 0;
      let items = 0;
      while (n < this.waiting.length && (n === 0 || items + this.waiting[n]!.job.items.length <= BATCH_ITEMS)) {
        items += this.waiting[n]!.job.items.length;
        n++;
      }
      const batch = this.waiting.splice(0, n).filter((w) => {
        if (!w.job.signal?.aborted) return true;
        w.reject(w.job.signal.reason);
        return false;
      });
      if (batch.length === 0) return;
      try {
        const results = await this.write(batch.map((w) => w.job));
        batch.forEach((w, k) => w.resolve(results[k]!));
      } catch (err) {
        if (err instanceof StillWriting) {
          for (const w of batch)
            void w.job.written.then(
              () => {
                this.waiting.push(w);
                this.kick();
              },
              (e: unknown) => w.reject(e),
            );
        } else if (batch.length === 1) batch[0]!.reject(err);
        // One request's failure must not fail the others written with it: each again on its own.
        else
          for (const w of batch) {
            if (w.job.signal?.aborted) {
              w.reject(w.job.signal.reason);
              continue;
            }
            await this.write([w.job]).then(
              ([r]) => w.resolve(r!),
              (e: unknown) => w.reject(e),
            );
          }
      }
    } finally {
      this.flushing = false;
      this.kick();
    }
  }

  private async write(jobs: IndexJob[]): Promise<StoreOutcome[][]> {
    const { owners, order } = arrange(jobs);
    const query = {
      name: 'imaging-index-instances-unflushed',
      text: INDEX_UNFLUSHED_SQL,
      values: [
        itemsJson(order, owners),
        JSON.stringify(jobs.map((j) => j.context)),
        LEVELS,
        true,
        order.map((o) => o.sha256),
      ],
    };
    // The files may still be being written: the rows are written meanwhile and committed once every file is whole
    // under its name, while the files are flushed.
    const client = await this.pool.connect();
    let committed = false;
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<IndexRow>(query);
      let timer: NodeJS.Timeout | undefined;
      const settled = await Promise.race([
        Promise.allSettled(jobs.map((j) => j.written)),
        new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), WRITTEN_WAIT_MS))),
      ]).finally(() => clearTimeout(timer));
      if (!settled) throw new StillWriting('the files of this batch are not written yet');
      const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      // a client that went away before anything was committed has nothing stored
      const gone = jobs.find((j) => j.signal?.aborted);
      if (gone) throw gone.signal!.reason;
      await client.query('COMMIT');
      committed = true;
      return outcomes(jobs, owners, rows);
    } finally {
      let broken: Error | undefined;
      if (!committed) await client.query('ROLLBACK').catch((e: Error) => (broken = e));
      client.release(broken);
    }
  }

  /** Unnames files now durable (their commit not waited for on disk: see the UnflushedBlobs migration). */
  async blobsFlushed(sha256s: string[]): Promise<void> {
    await this.pool.query({
      name: 'imaging-blobs-flushed',
      text: 'SELECT imaging_blobs_flushed($1::text[])',
      values: [sha256s],
    });
  }

  /** Files named in blob_unflushed since before `before`, up to `limit` of them. */
  async unflushedBlobs(before: Date, limit: number): Promise<string[]> {
    const { rows } = await this.pool.query<{ sha256: string }>(
      'SELECT sha256 FROM blob_unflushed WHERE since < $1 ORDER BY since LIMIT $2',
      [before, limit],
    );
    return rows.map((r) => r.sha256);
  }

  /** Forgets the instances whose files were lost (and unnames the files); returns how many were forgotten. */
  async forgetLost(sha256s: string[]): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>('SELECT imaging_forget_lost($1::text[]) AS n', [sha256s]);
    return rows[0]?.n ?? 0;
  }

  // One request of many instances: several statements and one audit in one transaction.
  private async writeLarge(job: IndexJob): Promise<StoreOutcome[]> {
    const { owners, order } = arrange([job]);
    const jobsJson = JSON.stringify([job.context]);
    const client = await this.pool.connect();
    const rows: IndexRow[] = [];
    try {
      await client.query('BEGIN');
      for (let k = 0; k < order.length; k += CHUNK_ITEMS) {
        const chunk = order.slice(k, k + CHUNK_ITEMS);
        const r = await client.query<IndexRow>({
          name: 'imaging-index-instances',
          text: INDEX_SQL,
          values: [itemsJson(chunk, owners), jobsJson, LEVELS, false],
        });
        rows.push(...r.rows);
      }
      await client.query({
        name: 'imaging-audit-store',
        text: 'SELECT imaging_audit_store($1::int[], $2::int[], $3::uuid[], $4::uuid[], $5::text[], $6::jsonb)',
        values: [
          rows.map(() => 0),
          rows.map((r) => r.out_item),
          rows.map((r) => r.out_study),
          rows.map((r) => r.out_patient),
          rows.map((r) => r.out_result),
          jobsJson,
        ],
      });
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release(err as Error);
      throw err;
    }
    client.release();
    return outcomes([job], owners, rows)[0]!;
  }
}

interface Owner {
  job: number;
  index: number;
}

interface Ordered {
  n: number;
  studyUid: string;
  sha256: string;
  json: string;
}

// Every item numbered across the jobs, in the order its rows are locked: by Study Instance UID, so
// that two writers never wait on each other in a cycle.
function arrange(jobs: IndexJob[]): { owners: Owner[]; order: Ordered[] } {
  const owners: Owner[] = [];
  const order: Ordered[] = [];
  jobs.forEach((job, j) =>
    job.items.forEach((item, index) => {
      order.push({ n: owners.length, studyUid: item.studyUid, sha256: item.sha256, json: item.json });
      owners.push({ job: j, index });
    }),
  );
  order.sort((a, b) => (a.studyUid < b.studyUid ? -1 : a.studyUid > b.studyUid ? 1 : a.n - b.n));
  return { owners, order };
}

function itemsJson(order: Ordered[], owners: Owner[]): string {
  return `[${order.map((o) => `{"i":${o.n},"j":${owners[o.n]!.job},${o.json.slice(1)}`).join(',')}]`;
}

function outcomes(jobs: IndexJob[], owners: Owner[], rows: IndexRow[]): StoreOutcome[][] {
  const out = jobs.map((j) => new Array<StoreOutcome>(j.items.length));
  for (const r of rows) {
    const { job, index } = owners[r.out_item]!;
    out[job]![index] =
      r.out_result === 'stored' || r.out_result === 'already-stored'
        ? { kind: r.out_result, studyId: r.out_study!, patientId: r.out_patient }
        : (INDEX_FAILURES[r.out_result] ?? {
            code: r.out_result,
            message: 'The instance could not be indexed.',
            reason: FAILURE.PROCESSING_FAILURE,
          });
  }
  return out;
}

function firstValue(json: Record<string, { Value?: unknown[] }>, tag: string): string | null {
  const v = json[tag]?.Value?.[0];
  return typeof v === 'string' ? v : null;
}
