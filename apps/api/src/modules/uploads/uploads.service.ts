import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { FileStore } from '@tus/file-store';
import { Server, type ServerOptions } from '@tus/server';
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createInflate } from 'node:zlib';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { APP_CONFIG, type AppConfig } from '#src/config/app-config.js';
import { AppError } from '#src/common/errors.js';
import { PublicUrl } from '#src/common/public-url.js';
import { requestContext, type Actor } from '#src/common/request-context.js';
import { TokenService } from '#src/modules/auth/token.service.js';
import { MetricsService } from '#src/modules/metrics/metrics.service.js';
import { PatientCheckService } from '#src/modules/referrals/patient-check.service.js';
import { ReferralStudyLinksService } from '#src/modules/referrals/referral-study-links.service.js';
import { ConversionService } from '#src/modules/conversion/conversion.service.js';
import { convertibleKind } from '#src/modules/conversion/detect.js';
import { StowService } from '#src/modules/imaging/stow.service.js';
import { UPLOAD_EXPIRY_MS } from '#src/modules/imaging/upload-expiry.js';

type TusRequest = Parameters<NonNullable<ServerOptions['onIncomingRequest']>>[0];
type FinishHook = NonNullable<ServerOptions['onUploadFinish']>;
type TusUpload = Parameters<FinishHook>[1];
type FinishAnswer = Awaited<ReturnType<FinishHook>>;

const PREFIX_BYTES = 256 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What @tus/server expects to be thrown to answer with a status and body. */
class TusAnswer extends Error {
  constructor(
    readonly status_code: number,
    code: string,
    message: string,
  ) {
    super(message);
    this.body = JSON.stringify({ error: { code, message } });
  }
  readonly body: string;
}

// Resumable uploads (the tus protocol) for browsers and weak links: one file per upload (DICOM, or into a
// referral an ECG cart's aECG or SCP-ECG file, a PDF or a photo, converted by ConversionService),
// resumed from the last byte the server has after a dropped connection. A finished upload goes
// through the same checks and storage as STOW-RS; an abandoned one expires after a day.
@Injectable()
export class UploadsService implements OnModuleDestroy {
  private readonly server: Server;
  private readonly store: FileStore;
  private readonly cleanup: NodeJS.Timeout;
  // The public origin of the request being handled, for the URLs tus and STOW write into the answers.
  private readonly origin = new AsyncLocalStorage<string>();
  /** The uploads being finished (inflated, checked, ingested), by id: one finish per upload. */
  private readonly finishing = new Map<string, Promise<FinishAnswer>>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tokens: TokenService,
    private readonly stow: StowService,
    private readonly studyLinks: ReferralStudyLinksService,
    private readonly patientCheck: PatientCheckService,
    private readonly publicUrl: PublicUrl,
    private readonly metrics: MetricsService,
    private readonly conversion: ConversionService,
  ) {
    const directory = join(config.dataDir, 'uploads');
    mkdirSync(directory, { recursive: true, mode: 0o700 });
    this.store = new FileStore({ directory, expirationPeriodInMilliseconds: UPLOAD_EXPIRY_MS });
    this.server = new Server({
      path: '/api/uploads',
      datastore: this.store,
      maxSize: config.stowMaxPartBytes,
      respectForwardedHeaders: config.trustProxy,
      // The upload's Location is relative (RFC 9110 §10.2.2; tus allows it): the client resolves it against the URL
      // it created the upload at, so it is never taken from the Host header, and it still works when the browser
      // reaches the server through a proxy, a NAT or a path prefix the server was not told about.
      generateUrl: (_req, { id }) => `uploads/${id}`,
      disableTerminationForFinishedUploads: true,
      onUploadCreate: async (req, upload) => {
        // The owner is whoever created the upload, never what the client claims.
        const actor = this.actorOf(req);
        // An upload for a referral names it: refused at once (before any byte) unless this centre may add to it.
        const referral = upload.metadata?.referral;
        if (referral) {
          if (!UUID.test(referral)) throw new TusAnswer(404, 'NOT_FOUND', 'Referral not found.');
          try {
            await this.studyLinks.assertTakesUploads(actor, referral);
          } catch {
            throw new TusAnswer(404, 'NOT_FOUND', 'Referral not found.');
          }
        }
        return { metadata: { ...upload.metadata, owner: actor.id, facility: actor.facilityId ?? '' } };
      },
      onIncomingRequest: async (req, id) => {
        const actor = this.actorOf(req);
        if (req.method === 'POST' || !id) return;
        const upload = await this.store.getUpload(id).catch(() => undefined);
        if (!upload || upload.metadata?.owner !== actor.id) throw new TusAnswer(404, 'NOT_FOUND', 'Upload not found.');
      },
      // tus releases its lock on the upload before this hook runs, so a second PATCH can complete the same upload while
      // the first is still being finished: a sender resuming after a lost answer (HEAD says every byte is there; it
      // sends the empty rest). Both would inflate, check and ingest the same file at once, over each other's work
      // (a gateway restarted mid-answer once saw BAD_ENCODING). One finish per upload; the second PATCH gets its answer.
      onUploadFinish: (req, upload) => {
        const running = this.finishing.get(upload.id);
        if (running) return running;
        const finish = this.finish(req, upload).finally(() => this.finishing.delete(upload.id));
        this.finishing.set(upload.id, finish);
        return finish;
      },
    });
    this.cleanup = setInterval(() => void this.server.cleanUpExpiredUploads().catch(() => undefined), 3600_000);
    this.cleanup.unref();
  }

  /** The finished upload as the original file, converted or checked and ingested; its files then removed. */
  private async finish(req: TusRequest, upload: TusUpload): Promise<FinishAnswer> {
    const directory = this.store.directory;
    const actor = this.actorOf(req);
    const path = join(directory, upload.id);
    // A gateway compresses for its weak link (only when that is smaller): what is kept is the original, inflated
    // here, and checked against the digest of the original the gateway named, before anything is stored.
    const transport = await this.original(upload.id, path, upload.metadata ?? {});
    await fsync(path);
    const size = transport.size ?? upload.size ?? upload.offset;
    const prefix = await readPrefix(path, PREFIX_BYTES);
    // An ECG cart's own file (aECG, SCP-ECG), a PDF or a photo is converted for the referral's patient;
    // any other file goes to the DICOM checks, which refuse what is not DICOM.
    const kind = convertibleKind(prefix, size);
    const sha256 = transport.sha256 ?? (await sha256Of(path));
    if (kind) {
      try {
        const converted = await requestContext.run({ requestId: upload.id, clientIp: null, actor }, () =>
          this.conversion.ingest(
            actor,
            upload.metadata?.referral ?? undefined,
            { path, size, sha256, kind, fileName: upload.metadata?.filename ?? undefined },
            `${this.origin.getStore() ?? ''}/dicomweb`,
          ),
        );
        this.metrics.observeStowResult('upload', converted.body);
        return {
          status_code: converted.status === 200 ? 200 : 422,
          headers: { 'Content-Type': 'application/dicom+json' },
          body: JSON.stringify(converted.body),
        };
      } catch (e) {
        this.metrics.observeStowError('upload', e);
        if (e instanceof AppError) throw new TusAnswer(e.status, e.code, e.message);
        throw e;
      } finally {
        await this.remove(upload.id);
      }
    }
    const result = await requestContext.run({ requestId: upload.id, clientIp: null, actor }, async () =>
      this.stow.ingest(
        [
          {
            temp: { path, discard: () => this.remove(upload.id) },
            sha256,
            size,
            prefix,
            contentType: 'application/dicom',
          },
        ],
        actor,
        `${this.origin.getStore() ?? ''}/dicomweb`,
        undefined,
        upload.metadata?.referral ?? undefined,
        undefined,
        upload.metadata?.patientOverride ?? undefined,
      ),
    );
    this.metrics.observeStowResult('upload', result.body);
    // Another patient's file: both identities, for the doctor to remove it or confirm it with a reason.
    if (result.mismatch) {
      const refusal = this.patientCheck.refusal(result.mismatch);
      return {
        status_code: refusal.status,
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          error: { code: refusal.code, message: refusal.message, details: result.mismatch },
        }),
      };
    }
    return {
      status_code: result.status === 200 ? 200 : 422,
      headers: { 'Content-Type': 'application/dicom+json' },
      body: JSON.stringify(result.body),
    };
  }

  handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    return this.origin.run(this.publicUrl.origin(req), () => this.server.handle(req, res));
  }

  onModuleDestroy(): void {
    clearInterval(this.cleanup);
  }

  private actorOf(req: TusRequest): Actor {
    const header = req.headers.get('authorization') ?? '';
    const m = /^Bearer (.+)$/.exec(header);
    if (!m) throw new TusAnswer(401, 'UNAUTHENTICATED', 'Sign in to continue.');
    try {
      // A centre's gateway uploads as its centre (its service account's token), and may do nothing else.
      const actor = this.tokens.verifyAccess(m[1]!, 'gateway');
      if (actor.role !== 'community_doctor') throw new AppError('FORBIDDEN', 'Your role may not do this.');
      return actor;
    } catch (e) {
      const err = e as AppError;
      throw new TusAnswer(err.status ?? 401, err.code, err.message);
    }
  }

  /**
   * The upload as the original file: inflated when the gateway sent it deflated (`encoding: deflate`, never more than
   * the largest file taken), and its SHA-256 checked when the sender named it (`sha256`). 415 for an encoding not
   * agreed, 422 CHECKSUM_MISMATCH (nothing stored; the sender sends again) when the bytes are not the original's.
   */
  private async original(
    id: string,
    path: string,
    metadata: Record<string, string | null>,
  ): Promise<{ size?: number; sha256?: string }> {
    const encoding = metadata.encoding ?? 'identity';
    const expected = metadata.sha256 ?? undefined;
    if (encoding !== 'identity' && encoding !== 'deflate') {
      await this.remove(id);
      throw new TusAnswer(415, 'UNSUPPORTED_ENCODING', 'Only deflate is agreed for the transport.');
    }
    let size: number | undefined;
    if (encoding === 'deflate') {
      const inflated = `${path}.inflated`;
      try {
        size = await inflateBounded(path, inflated, this.config.stowMaxPartBytes);
        await rename(inflated, path);
      } catch {
        await rm(inflated, { force: true });
        await this.remove(id);
        throw new TusAnswer(422, 'BAD_ENCODING', 'The upload could not be inflated within the size limit.');
      }
    }
    if (!expected) return { size };
    const sha256 = await sha256Of(path);
    if (sha256 !== expected.toLowerCase()) {
      await this.remove(id);
      throw new TusAnswer(422, 'CHECKSUM_MISMATCH', 'The file received is not the one sent; send it again.');
    }
    return { size, sha256 };
  }

  private async remove(id: string): Promise<void> {
    await rm(join(this.store.directory, id), { force: true });
    await rm(join(this.store.directory, `${id}.json`), { force: true });
  }
}

async function fsync(path: string): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Inflates `from` into `to`, refused past `max` bytes (a deflate bomb); the inflated size. */
async function inflateBounded(from: string, to: string, max: number): Promise<number> {
  let size = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      done(size > max ? new Error('too large') : null, chunk);
    },
  });
  await pipeline(createReadStream(from), createInflate(), limit, createWriteStream(to, { mode: 0o600 }));
  return size;
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest('hex');
}

async function readPrefix(path: string, max: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(max);
    const { bytesRead } = await fh.read(buf, 0, max, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}
