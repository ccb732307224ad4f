import { Inject, Injectable } from '@nestjs/common';
import type { PatientMismatchDetails } from '@zhiyin/contracts';
import { patientOverrideReason } from '@zhiyin/workflow';
import { APP_CONFIG, type AppConfig } from '#src/config/app-config.js';
import { AppError } from '#src/common/errors.js';
import { auditedRole, requestContext, type Actor } from '#src/common/request-context.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import {
  acquiredAt,
  isReferralNumber,
  PatientCheckService,
  type FileIdentity,
  type JoiningReferral,
  type PatientOverride,
} from '#src/modules/referrals/patient-check.service.js';
import { ReferralStudyLinksService } from '#src/modules/referrals/referral-study-links.service.js';
import { analysePart, fileSource, memorySource, type AnalysedPart, type PartSource } from './analyse-part.js';
import { BLOB_STORE, BlobStore, MemoryBlob, type TempBlob } from './blob-store.js';
import type { StowBody } from './dicomweb-answer.js';
import { ImagingRepository, indexItem, type IndexItem, type StoreOutcome } from './imaging.repository.js';
import { MultipartError, MultipartParser, parseMediaType, type MultipartLimits } from './multipart.js';
import { FAILURE, type PartFailure } from './stow-status.js';
import { UnflushedFiles } from './unflushed-files.service.js';

// The header of almost every instance fits in its first 64 KiB; the rest is read if it does not.
const PREFIX_BYTES = 64 * 1024;
// Files of one request written and flushed at the same time.
const COMMIT_CONCURRENCY = 4;

function sourceOf(r: { temp: ReceivedFile; size: number } | TempBlob | MemoryBlob): PartSource {
  const file: { path: string; data?: Buffer[] } = 'temp' in r ? r.temp : r;
  return file.data ? memorySource(file.data, r.size) : fileSource(file.path, r.size);
}

/** A received file on local disk, not yet stored: a STOW part or a finished resumable upload. */
export interface ReceivedFile {
  path: string;
  /** the content, when held in memory rather than in a file (then `path` is empty) */
  data?: Buffer[];
  discard(): Promise<void>;
}

/** A checked instance, reduced to what indexing it and answering for it need. */
export interface PreparedPart {
  ids: { sopClassUid: string; sopInstanceUid: string; studyUid: string; seriesUid: string };
  accessionNumber: string | undefined;
  /** the patient the file names and when it was recorded, checked before it joins a referral */
  patient: FileIdentity;
  item: IndexItem;
}

function recordedAt(part: AnalysedPart): string | null {
  const s = part.summary;
  const dt = part.metadata['0008002A']?.Value?.[0];
  if (typeof dt === 'string' && /^\d{8}/.test(dt)) return acquiredAt(dt.slice(0, 8), dt.slice(8));
  return acquiredAt(s.studyDate, s.studyTime);
}

function prepare(part: AnalysedPart | PartFailure, sha256: string, size: number): PreparedPart | PartFailure {
  if ('code' in part) return part;
  const s = part.summary;
  return {
    ids: {
      sopClassUid: s.sopClassUid,
      sopInstanceUid: s.sopInstanceUid,
      studyUid: s.studyInstanceUid,
      seriesUid: s.seriesInstanceUid,
    },
    accessionNumber: s.accessionNumber,
    patient: {
      studyInstanceUid: s.studyInstanceUid,
      patientId: s.patientId,
      name: s.patientName,
      sex: s.sex,
      birthDate: s.patientBirthDate,
      acquiredAt: recordedAt(part),
    },
    item: indexItem(part, sha256, size),
  };
}

export interface Received {
  /** the result of analysePart, when already done while receiving */
  analysed?: AnalysedPart | PartFailure;
  /** the same, reduced to what indexing needs (the DICOM JSON as text, not as objects) */
  prepared?: PreparedPart | PartFailure;
  temp: ReceivedFile;
  sha256: string;
  size: number;
  prefix: Buffer;
  contentType: string | undefined;
}

// Work for a client that has gone away stops at the next step; nothing it started is indexed.
function stopIfGone(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new AppError('BAD_REQUEST', 'The client closed the connection before the request was answered.', {
      reason: 'CLIENT_GONE',
    });
  }
}

// A refusal while the body is still arriving: the connection is closed after the answer rather than
// the rest of the body read (and thrown away) to keep it open.
// A refusal before the whole body was read: the adapter closes the connection after the answer, in stages.
const CLOSE = { Connection: 'close' };

export interface StowResult {
  status: 200 | 202 | 409;
  body: Record<string, unknown>;
  /** the first file held because it names another patient than its referral's (both identities) */
  mismatch?: PatientMismatchDetails;
}

/** A candidate for storage: a checked part and its received file. */
interface Candidate {
  index: number;
  part: PreparedPart;
  temp: ReceivedFile;
  sha256: string;
}

type Outcome = (StoreOutcome | PartFailure) & {
  sopClassUid?: string;
  sopInstanceUid?: string;
  studyUid?: string;
  seriesUid?: string;
};

@Injectable()
export class StowService {
  // Bytes of the STOW-RS requests being held in memory now.
  private heldInMemory = 0;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    private readonly repo: ImagingRepository,
    private readonly audit: AuditService,
    private readonly studyLinks: ReferralStudyLinksService,
    private readonly patientCheck: PatientCheckService,
    private readonly unflushed: UnflushedFiles,
  ) {}

  /**
   * STOW-RS: streams every part to disk, checks it, then stores and indexes what passed, all at once.
   * `signal` aborts when the client goes away: receiving, checking, storing and indexing stop there.
   */
  async store(
    body: StowBody,
    actor: Actor,
    baseUrl: string,
    expectedStudyUid?: string,
    signal?: AbortSignal,
    patientOverride?: string,
  ): Promise<StowResult> {
    const boundary = this.checkRequestHeaders(body);
    // A small request is held in memory and each part written once, straight into the store, while
    // the requests so held stay within four times the per-request limit together; a large one (or
    // one past that budget) goes part by part to temporary files as it arrives.
    const declared = body.contentLength;
    const limit = this.config.stowMemoryRequestBytes;
    const held =
      Number.isFinite(declared) && declared > 0 && declared <= limit && this.heldInMemory + declared <= 4 * limit
        ? declared
        : 0;
    this.heldInMemory += held;
    try {
      const received = await this.receive(body, boundary, held > 0, signal);
      return await this.ingest(received, actor, baseUrl, expectedStudyUid, undefined, signal, patientOverride);
    } finally {
      this.heldInMemory -= held;
    }
  }

  /**
   * Checks received files and stores the good ones (files, then one index transaction). Every
   * received file is removed from the temporary area afterwards, stored or not.
   */
  async ingest(
    received: Received[],
    actor: Actor,
    baseUrl: string,
    expectedStudyUid?: string,
    /** an upload made for this referral: its studies join it */
    referralId?: string,
    signal?: AbortSignal,
    /** the sender's reason for letting a file of another identity join its referral */
    patientOverride?: string,
  ): Promise<StowResult> {
    const unpin: (() => void)[] = [];
    try {
      if (received.length === 0) throw new AppError('BAD_REQUEST', 'The request contains no DICOM instances.');
      const outcomes: Outcome[] = [];
      let candidates: Candidate[] = [];
      for (const [index, r] of received.entries()) {
        if (r.contentType && r.contentType !== 'application/dicom') {
          outcomes[index] = {
            code: 'UNSUPPORTED_PART_TYPE',
            message: 'Each part must be application/dicom.',
            reason: FAILURE.CANNOT_UNDERSTAND,
          };
          continue;
        }
        stopIfGone(signal);
        const part = r.prepared ?? prepare(r.analysed ?? (await analysePart(sourceOf(r), r.prefix)), r.sha256, r.size);
        r.prepared = undefined; // held by the candidate from here on, and let go of with it
        if ('code' in part) {
          outcomes[index] = part;
          continue;
        }
        if (expectedStudyUid && part.ids.studyUid !== expectedStudyUid) {
          outcomes[index] = {
            ...part.ids,
            code: 'STUDY_UID_MISMATCH',
            message: 'This instance belongs to another study than the one in the URL.',
            reason: FAILURE.PROCESSING_FAILURE,
          };
          continue;
        }
        outcomes[index] = { ...part.ids, code: 'PENDING', message: '', reason: 0 };
        candidates.push({ index, part, temp: r.temp, sha256: r.sha256 });
      }
      // A file joining a referral is checked against its patient before anything of it is stored.
      stopIfGone(signal);
      const checked = await this.holdOtherPatients(candidates, outcomes, actor, referralId, patientOverride);
      candidates = checked.kept;
      if (candidates.length > 0) {
        // Files first (content-addressed), then the index and the audit in one transaction, committed once
        // every file is whole under its name while the files are still being flushed; the answer waits for both.
        // Until the index has answered, the sweeper leaves these files alone (see SweeperService).
        for (const c of candidates) unpin.push(this.blobs.pin(c.sha256));
        stopIfGone(signal);
        let whole = 0;
        let onWhole = () => {};
        const written = new Promise<void>((resolve) => (onWhole = resolve));
        const wholeOne = () => {
          if (++whole === candidates.length) onWhole();
        };
        // Several files of one request are flushed at once: the disk's flushes overlap, not queue.
        let next = 0;
        const committer = async () => {
          while (next < candidates.length) {
            stopIfGone(signal);
            const { temp, sha256 } = candidates[next++]!;
            await this.blobs.commit(temp, sha256, wholeOne);
          }
        };
        const durable = Promise.all(
          Array.from({ length: Math.min(COMMIT_CONCURRENCY, candidates.length) }, committer),
        ).then(() => undefined);
        // Its failure is the index's to report (nothing is committed then) or, once the rows are committed, the
        // settling's below; a rejection is never left unobserved.
        durable.catch(() => undefined);
        const shas = candidates.map((c) => c.sha256);
        const refused: Record<string, number> = {};
        for (const o of outcomes)
          if (o && !('kind' in o) && o.code !== 'PENDING') refused[o.code] = (refused[o.code] ?? 0) + 1;
        const ctx = requestContext.get();
        // The rows are committed while the files flush (ImagingRepository.index).
        const stored = await this.repo
          .index({
            written: Promise.race([written, durable]),
            durable,
            items: candidates.map((c) => c.part.item),
            context: {
              facilityId: actor.facilityId!,
              // a device (DICOM AE) is no user account: the study's created_by stays empty
              userId: actor.device ? null : actor.id,
              actorId: actor.id,
              actorRole: auditedRole(actor),
              requestId: ctx?.requestId ?? null,
              clientRequestId: ctx?.clientRequestId ?? null,
              clientIp: ctx?.clientIp ?? null,
              refused,
            },
            signal,
          })
          .catch((err: unknown) => {
            stopIfGone(signal); // dropped from its batch because the client went away
            throw err;
          })
          // nothing below (nor the clean-up of the received files) runs while a file is still being written
          .finally(() => durable.catch(() => undefined));
        // Answered as stored only once durable. A failed flush reads the files back: what is whole is flushed
        // again and stays, what is not is forgotten and the request fails (sent again, it is stored).
        await durable.catch(async (err: unknown) => {
          if ((await this.unflushed.settle(shas)).lost > 0) throw err;
        });
        this.unflushed.flushed(shas);
        stored.forEach((o, i) => {
          const { index } = candidates[i]!;
          outcomes[index] = { ...outcomes[index], ...o };
          if ('code' in o) delete (outcomes[index] as { kind?: string }).kind;
          else {
            const x = outcomes[index] as Outcome & { code?: string; reason?: number; message?: string };
            delete x.code;
            delete x.reason;
            delete x.message;
          }
        });
        // A study whose Accession Number is a referral number of this centre joins that referral.
        const accessions = new Map<string, { accession: string | undefined; studyUid: string }>();
        stored.forEach((o, i) => {
          const part = candidates[i]!.part;
          if (!('code' in o))
            accessions.set(o.studyId, { accession: part.accessionNumber, studyUid: part.ids.studyUid });
        });
        for (const [studyId, { accession, studyUid }] of accessions) {
          const override = checked.overrides.get(studyUid);
          if (referralId) await this.studyLinks.linkToReferral(actor, studyId, referralId, override);
          else await this.studyLinks.linkByAccession(actor, studyId, accession ?? null, override);
        }
      }
      if (candidates.length === 0) await this.auditRefused(outcomes);
      return { ...this.response(outcomes, baseUrl), ...(checked.mismatch ? { mismatch: checked.mismatch } : {}) };
    } finally {
      for (const u of unpin) u();
      await Promise.all(received.map((r) => r.temp.discard()));
    }
  }

  /**
   * Holds every candidate that would join a referral (named by the upload, or by its Accession Number) and is not
   * shown to be that referral patient's, unless the sender gave a reason to let it join: a held file is refused
   * with PATIENT_MISMATCH and nothing of it is stored.
   */
  private async holdOtherPatients(
    candidates: Candidate[],
    outcomes: Outcome[],
    actor: Actor,
    referralId: string | undefined,
    overrideReason: string | undefined,
  ): Promise<{ kept: Candidate[]; overrides: Map<string, PatientOverride>; mismatch?: PatientMismatchDetails }> {
    const reason = patientOverrideReason(overrideReason);
    const targets = new Map<string, Promise<JoiningReferral | undefined>>();
    const target = (by: 'id' | 'number', value: string) => {
      const key = `${by}:${value}`;
      if (!targets.has(key)) targets.set(key, this.patientCheck.joining(actor, by, value));
      return targets.get(key)!;
    };
    const kept: Candidate[] = [];
    const overrides = new Map<string, PatientOverride>();
    let mismatch: PatientMismatchDetails | undefined;
    for (const c of candidates) {
      const accession = c.part.accessionNumber?.trim();
      const joining = referralId
        ? await target('id', referralId)
        : accession && isReferralNumber(accession)
          ? await target('number', accession)
          : undefined;
      const match = joining && this.patientCheck.compare(c.part.patient, joining);
      if (!joining || !match || !match.held) {
        kept.push(c);
      } else if (reason) {
        overrides.set(c.part.ids.studyUid, { reason, differing: match.differing });
        kept.push(c);
      } else {
        const details = this.patientCheck.details(c.part.patient, joining, match);
        mismatch ??= details;
        outcomes[c.index] = {
          ...c.part.ids,
          code: 'PATIENT_MISMATCH',
          message: this.patientCheck.sentence(details),
          reason: FAILURE.PROCESSING_FAILURE,
        };
      }
    }
    return { kept, overrides, mismatch };
  }

  private checkRequestHeaders(body: StowBody): string {
    const encoding = (body.contentEncoding ?? 'identity').toLowerCase().trim();
    if (encoding !== 'identity') {
      // Compressed bodies are refused outright: no decompression bombs.
      throw new AppError(
        'UNSUPPORTED_MEDIA_TYPE',
        'Compressed request bodies (Content-Encoding) are not accepted; send the body uncompressed.',
      );
    }
    const mt = parseMediaType(body.contentType);
    if (!mt || mt.type !== 'multipart/related' || (mt.params.type ?? '').toLowerCase() !== 'application/dicom') {
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send instances as multipart/related; type="application/dicom".');
    }
    const boundary = mt.params.boundary;
    if (!boundary || boundary.length > 70)
      throw new AppError('BAD_REQUEST', 'The multipart Content-Type has no valid boundary parameter.');
    const declared = body.contentLength;
    if (Number.isFinite(declared) && declared > this.config.stowMaxBodyBytes) {
      throw new AppError(
        'PAYLOAD_TOO_LARGE',
        `The request is larger than the limit of ${this.config.stowMaxBodyBytes} bytes; send fewer instances per request.`,
        undefined,
        CLOSE,
      );
    }
    return boundary;
  }

  private multipartLimits(): MultipartLimits {
    return {
      maxParts: this.config.stowMaxParts,
      maxPartHeaderBytes: this.config.stowMaxPartHeaderBytes,
      maxHeaderBytes: this.config.stowMaxHeaderBytes,
      refuseEmptyParts: true,
    };
  }

  private async receive(
    body: StowBody,
    boundary: string,
    inMemory: boolean,
    signal: AbortSignal | undefined,
  ): Promise<Received[]> {
    const parser = new MultipartParser(boundary, this.multipartLimits());
    const received: Received[] = [];
    let current:
      | { temp: TempBlob | MemoryBlob; prefix: Buffer[]; prefixLength: number; contentType: string | undefined }
      | undefined;
    let total = 0;
    // The checked parts' metadata, held until the request is indexed.
    let metadataBytes = 0;
    try {
      // Not destroyed when refused halfway: the answer is written first, then the connection closed
      // (destroying the request would close it with no answer at all).
      for await (const chunk of body.chunks) {
        stopIfGone(signal);
        total += chunk.length;
        if (total > this.config.stowMaxBodyBytes) {
          throw new AppError(
            'PAYLOAD_TOO_LARGE',
            `The request is larger than the limit of ${this.config.stowMaxBodyBytes} bytes.`,
            undefined,
            CLOSE,
          );
        }
        for (const e of parser.feed(chunk)) {
          if (e.type === 'part') {
            const temp = inMemory ? new MemoryBlob() : await this.blobs.createTemp();
            current = {
              temp,
              prefix: [],
              prefixLength: 0,
              contentType: parseMediaType(e.headers['content-type'])?.type,
            };
          } else if (e.type === 'data' && current) {
            if (current.temp.size + e.data.length > this.config.stowMaxPartBytes) {
              throw new AppError(
                'PAYLOAD_TOO_LARGE',
                `An instance is larger than the limit of ${this.config.stowMaxPartBytes} bytes.`,
                undefined,
                CLOSE,
              );
            }
            if (current.prefixLength < PREFIX_BYTES) {
              const take = e.data.subarray(0, PREFIX_BYTES - current.prefixLength);
              current.prefix.push(take); // a view: request chunks are never reused
              current.prefixLength += take.length;
            }
            await current.temp.write(e.data);
          } else if (e.type === 'part-end' && current) {
            const sha256 = await current.temp.seal();
            const prefix = current.prefix.length === 1 ? current.prefix[0]! : Buffer.concat(current.prefix);
            const acceptable = !current.contentType || current.contentType === 'application/dicom';
            stopIfGone(signal);
            // Checked as soon as it is complete, so that only the (small) result is kept while the rest
            // of a large request arrives, not every part's header bytes.
            const prepared = acceptable
              ? prepare(await analysePart(sourceOf(current.temp), prefix), sha256, current.temp.size)
              : undefined;
            const temp = current.temp;
            received.push({
              temp,
              sha256,
              size: temp.size,
              prefix: Buffer.alloc(0),
              contentType: current.contentType,
              prepared,
            });
            current = undefined;
            // A refused part is let go of at once (its file or its bytes in memory): only its reason stays.
            if (!prepared || 'code' in prepared) await temp.discard();
            else {
              metadataBytes += prepared.item.json.length;
              if (metadataBytes > this.config.stowMaxMetadataBytes) {
                throw new AppError(
                  'PAYLOAD_TOO_LARGE',
                  `The metadata of the instances in this request is larger than ${this.config.stowMaxMetadataBytes} bytes; send fewer instances per request.`,
                  undefined,
                  CLOSE,
                );
              }
            }
          }
        }
      }
      parser.finish();
      return received;
    } catch (err) {
      // Nothing of an interrupted or refused request stays: temporary files go, nothing was indexed.
      await current?.temp.discard();
      await Promise.all(received.map((r) => r.temp.discard()));
      if (err instanceof MultipartError) {
        const headers = err.code === 'TRUNCATED_BODY' ? undefined : CLOSE;
        throw new AppError('BAD_REQUEST', err.message, { reason: err.code }, headers);
      }
      if (err instanceof AppError) throw err;
      throw new AppError('BAD_REQUEST', 'The upload was interrupted before the request body was complete.');
    }
  }

  /** The audit row of a request none of whose parts reached the index (refused parts, by reason). */
  private async auditRefused(outcomes: Outcome[]): Promise<void> {
    const refused: Record<string, number> = {};
    for (const o of outcomes) if (!('kind' in o)) refused[o.code] = (refused[o.code] ?? 0) + 1;
    await this.audit.record({
      action: 'study.store',
      resourceType: 'study',
      outcome: 'failed',
      details: { refused },
    });
  }

  private response(outcomes: Outcome[], baseUrl: string): StowResult {
    const ok = outcomes.filter((o) => 'kind' in o);
    const failed = outcomes.filter((o) => !('kind' in o)) as (PartFailure & Outcome)[];
    const ui = (v: string | undefined) => ({ vr: 'UI', ...(v ? { Value: [v] } : {}) });
    const instanceUrl = (o: Outcome) =>
      `${baseUrl}/studies/${o.studyUid}/series/${o.seriesUid}/instances/${o.sopInstanceUid}`;
    const body: Record<string, unknown> = {};
    const studies = new Set(ok.map((o) => o.studyUid));
    if (studies.size === 1) body['00081190'] = { vr: 'UR', Value: [`${baseUrl}/studies/${[...studies][0]}`] };
    if (failed.length > 0) {
      body['00081198'] = {
        vr: 'SQ',
        Value: failed.map((o) => ({
          '00081150': ui(o.sopClassUid),
          '00081155': ui(o.sopInstanceUid),
          '00081197': { vr: 'US', Value: [o.reason] },
          // ErrorComment: a stable code and a message a person can act on.
          '00000902': { vr: 'LO', Value: [`${o.code}: ${o.message}`] },
        })),
      };
    }
    if (ok.length > 0) {
      body['00081199'] = {
        vr: 'SQ',
        Value: ok.map((o) => ({
          '00081150': ui(o.sopClassUid),
          '00081155': ui(o.sopInstanceUid),
          '00081190': { vr: 'UR', Value: [instanceUrl(o)] },
        })),
      };
    }
    const status = failed.length === 0 ? 200 : ok.length === 0 ? 409 : 202;
    return { status, body };
  }
}
