import { Inject, Injectable } from '@nestjs/common';
import {
  getBulkDataLittleEndian,
  getFrame,
  parseFull,
  parseHeader,
  type DicomDataset,
  type DicomJsonDataset,
} from '@zhiyin/dicom';
import { studyReadScope, type StudyReadScope } from '@zhiyin/workflow';
import { randomBytes } from 'node:crypto';
import { AppError, notFound } from '#src/common/errors.js';
import { auditedRole, requestContext, type Actor } from '#src/common/request-context.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import type { PixelInfo } from './analyse-part.js';
import { BLOB_STORE, BlobStore } from './blob-store.js';
import type { AnswerChunk, StreamAnswer } from './dicomweb-answer.js';
import { ReadBuffers } from './read-buffers.js';
import { ImagingRepository, type InstanceRow, type StudyTarget } from './imaging.repository.js';
import { FrameDecoder } from './pixels/frame-decoder.js';
import { EXPLICIT_LE, FRAME_MEDIA_TYPE, negotiateFrames } from './pixels/frame-negotiation.js';
import { imageAttributes } from './pixels/image-attributes.js';
import { RenderCache, renderKey, type Rendered } from './render-cache.js';
import { renderFrame, warmRenderer, type Palette, type RenderOptions } from './render.js';

export interface InstanceRef {
  studyId: string;
  patientId: string | null;
  studyUid: string;
  seriesUid: string;
  sopInstanceUid: string;
  transferSyntaxUid: string;
  sha256: string;
  sizeBytes: number;
  pixel: PixelInfo | null;
  metadata: DicomJsonDataset;
}

function instanceRef(r: InstanceRow): InstanceRef {
  return {
    studyId: r.study_id,
    patientId: r.patient_id,
    studyUid: r.study_instance_uid,
    seriesUid: r.series_instance_uid,
    sopInstanceUid: r.sop_instance_uid,
    transferSyntaxUid: r.transfer_syntax_uid,
    sha256: r.sha256,
    sizeBytes: Number(r.size_bytes),
    pixel: r.pixel_data,
    metadata: r.metadata,
  };
}

/** What sending a stored file needs. */
export type StoredFile = Pick<InstanceRef, 'transferSyntaxUid' | 'sha256' | 'sizeBytes'>;

// Files up to this size are read with one call and written with one call; larger ones are streamed.
const WHOLE_READ_BYTES = 16 * 1024 * 1024;
// Buffers kept for reuse between retrievals (ReadBuffers): a few studies' send-ahead at concurrency 4.
const KEPT_READ_BUFFER_BYTES = 64 * 1024 * 1024;

/** A file read whole: its bytes, and the pooled buffer that holds them (to hand back once sent). */
interface WholeFile {
  data: Buffer;
  buffer: Buffer;
}

function notAcceptableDicom(): AppError {
  return new AppError(
    'NOT_ACCEPTABLE',
    'Instances are available as multipart/related; type="application/dicom" in their stored transfer syntax.',
  );
}

interface MediaRange {
  type: string;
  params: Record<string, string>;
  q: number;
}

export function parseAccept(header: string | undefined): MediaRange[] {
  if (!header || header.trim() === '') return [{ type: '*/*', params: {}, q: 1 }];
  return header
    .split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/)
    .map((part) => {
      const [type, ...ps] = part.split(';').map((x) => x.trim());
      const params: Record<string, string> = {};
      for (const p of ps) {
        const eq = p.indexOf('=');
        if (eq > 0)
          params[p.slice(0, eq).trim().toLowerCase()] = p
            .slice(eq + 1)
            .trim()
            .replace(/^"|"$/g, '');
      }
      const q = params.q !== undefined ? Number(params.q) : 1;
      return { type: (type ?? '').toLowerCase(), params, q: Number.isFinite(q) ? q : 1 };
    })
    .filter((r) => r.type && r.q > 0)
    .sort((a, b) => b.q - a.q);
}

@Injectable()
export class WadoService {
  constructor(
    private readonly repo: ImagingRepository,
    private readonly audit: AuditService,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    private readonly decoder: FrameDecoder,
  ) {}

  private readonly buffers = new ReadBuffers(WHOLE_READ_BYTES, KEPT_READ_BUFFER_BYTES);
  private readonly renderings = new RenderCache();

  /**
   * Instances of a study, series or one instance, within the caller's read scope (the rule of packages/workflow);
   * outside it, or when there is no such thing, the refusal is audited and answers 404.
   */
  async instances(actor: Actor, t: StudyTarget, what: string): Promise<InstanceRef[]> {
    const scope = studyReadScope(actor);
    const rows = await this.repo.findInstances(t, scope);
    if (rows.length === 0) throw await this.refuse(t, scope, what);
    return rows.map(instanceRef);
  }

  /**
   * Renders an instance's frame into the rendering cache ahead of a reader who will ask for it (a case's first
   * image, made when the case is submitted or claimed). Nothing leaves the server here: the reader's own request
   * is scope-checked and audited as every read is. False when there is no such instance or nothing to render.
   */
  async renderAhead(sopInstanceUid: string, frame: number, opts: RenderOptions): Promise<boolean> {
    const row = await this.repo.instanceByUid(sopInstanceUid);
    if (!row?.pixel_data) return false;
    const inst = instanceRef(row);
    if (!this.isRendered(inst, frame, opts)) await this.rendered(inst, frame, opts);
    return true;
  }

  /**
   * Audits a retrieval that found nothing in the caller's scope and returns the 404 to answer. The row names the
   * caller (from the request context), the UIDs asked for and, when the study exists, the study and its patient:
   * `denied` when it is outside the caller's scope, `not_found` when there is no such study, series or instance.
   * The answer is the same 404 either way, so that it reveals nothing.
   */
  private async refuse(t: StudyTarget, scope: StudyReadScope, what: string): Promise<AppError> {
    const facts = await this.repo.refusalFacts(t, scope);
    await this.audit.record({
      action: 'study.retrieve',
      resourceType: 'study',
      resourceId: facts?.studyId ?? null,
      patientId: facts?.patientId ?? null,
      outcome: facts?.outOfScope ? 'denied' : 'not_found',
      details: {
        what,
        // UIDs are at most 64 characters (PS3.5 §9.1); a longer path segment is not kept whole.
        studyInstanceUid: t.studyUid.slice(0, 64),
        ...(t.seriesUid ? { seriesInstanceUid: t.seriesUid.slice(0, 64) } : {}),
        ...(t.sopInstanceUid ? { sopInstanceUid: t.sopInstanceUid.slice(0, 64) } : {}),
      },
    });
    return notFound(t.sopInstanceUid ? 'Instance' : t.seriesUid ? 'Series' : 'Study');
  }

  async auditRetrieve(list: InstanceRef[], what: string): Promise<void> {
    const first = list[0]!;
    await this.audit.record({
      action: `study.retrieve`,
      resourceType: 'study',
      resourceId: first.studyId,
      patientId: first.patientId,
      outcome: 'success',
      details: { what, instances: list.length },
    });
  }

  /** Checks the Accept header for a DICOM retrieve; returns false when nothing acceptable (406). */
  acceptsDicom(accept: string | undefined, list: Pick<StoredFile, 'transferSyntaxUid'>[]): boolean {
    return parseAccept(accept).some((r) => {
      if (r.type === '*/*' || r.type === 'multipart/*') return true;
      if (r.type !== 'multipart/related') return false;
      const type = (r.params.type ?? 'application/dicom').toLowerCase();
      if (type !== 'application/dicom' && type !== '*/*') return false;
      const ts = r.params['transfer-syntax'];
      return !ts || ts === '*' || list.every((i) => i.transferSyntaxUid === ts);
    });
  }

  acceptsJson(accept: string | undefined): boolean {
    return parseAccept(accept).some((r) =>
      ['*/*', 'application/*', 'application/dicom+json', 'application/json'].includes(r.type),
    );
  }

  /**
   * Finds what a retrieval sends and audits it in one database round trip. Only when the Accept
   * header asks for particular transfer syntaxes (which depends on what is found) are the two apart.
   */
  async retrieve(actor: Actor, t: StudyTarget, what: string, accept: string | undefined): Promise<StoredFile[]> {
    if (!this.acceptsDicom(accept, [])) throw notAcceptableDicom();
    if (!this.acceptsDicom(accept, [{ transferSyntaxUid: '' }])) {
      const list = await this.instances(actor, t, what);
      if (!this.acceptsDicom(accept, list)) throw notAcceptableDicom();
      await this.auditRetrieve(list, what);
      return list;
    }
    const ctx = requestContext.get();
    const scope = studyReadScope(actor);
    const rows = await this.repo.findForRetrieve(t, scope, {
      actorId: actor.id,
      actorRole: auditedRole(actor),
      facilityId: actor.facilityId,
      requestId: ctx?.requestId ?? null,
      clientRequestId: ctx?.clientRequestId ?? null,
      clientIp: ctx?.clientIp ?? null,
      what,
    });
    if (rows.length === 0) throw await this.refuse(t, scope, what);
    return rows.map((r) => ({ transferSyntaxUid: r.transfer_syntax_uid, sha256: r.sha256, sizeBytes: r.size_bytes }));
  }

  /**
   * The stored files unchanged, one part each (a multipart/related answer of known length). A file is read whole
   * into a pooled buffer, handed back once the connection has taken it; the next file is read while one is sent.
   */
  instancesAnswer(list: StoredFile[]): StreamAnswer {
    const boundary = `zhiyin-${randomBytes(12).toString('hex')}`;
    let length = 0;
    const heads = list.map((i, n) =>
      Buffer.from(
        `${n === 0 ? '' : '\r\n'}--${boundary}\r\nContent-Type: application/dicom; transfer-syntax=${i.transferSyntaxUid}\r\nContent-Length: ${i.sizeBytes}\r\n\r\n`,
      ),
    );
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    for (const [n, i] of list.entries()) length += heads[n]!.length + i.sizeBytes;
    const blobs = this.blobs;
    const buffers = this.buffers;
    const readStored = (i: StoredFile) => this.readStored(i);
    async function* chunks(): AsyncGenerator<AnswerChunk> {
      let next: Promise<WholeFile | undefined> | undefined = readStored(list[0]!);
      let pending: WholeFile | undefined;
      try {
        for (const [n, i] of list.entries()) {
          pending = await next;
          next = n + 1 < list.length ? readStored(list[n + 1]!) : undefined;
          next?.catch(() => undefined); // awaited in the next round, unless the client has gone
          yield { data: heads[n]! };
          if (pending) {
            const held = pending;
            pending = undefined;
            yield { data: held.data, sent: () => buffers.give(held.buffer), partEnd: true };
          } else {
            // a file too large to hold is streamed as it is read
            for await (const chunk of blobs.read(i.sha256) as AsyncIterable<Buffer>)
              yield { data: chunk, partEnd: true };
          }
        }
        yield { data: tail };
      } finally {
        // stopped early (the client went away): what was read ahead goes back to the pool
        if (pending) buffers.give(pending.buffer);
        void next?.then(
          (f) => f && buffers.give(f.buffer),
          () => undefined,
        );
      }
    }
    return {
      kind: 'stream',
      type: `multipart/related; type="application/dicom"; boundary=${boundary}`,
      length: length + tail.length,
      chunks: chunks(),
    };
  }

  /** A stored file whole, in a pooled buffer, when small enough to hold; undefined for a larger one (then streamed). */
  private async readStored(i: StoredFile): Promise<WholeFile | undefined> {
    const buffer = this.buffers.take(i.sizeBytes);
    if (!buffer) return undefined;
    const data = await this.blobs.readBytes(i.sha256, 0, i.sizeBytes, buffer).catch((err: unknown) => {
      this.buffers.give(buffer);
      throw err;
    });
    if (data.length !== i.sizeBytes) {
      this.buffers.give(buffer);
      throw new Error('a stored file is shorter than indexed');
    }
    return { data, buffer };
  }

  /** DICOM JSON with absolute BulkDataURIs. */
  metadata(list: InstanceRef[], baseUrl: string): DicomJsonDataset[] {
    return list.map((i) =>
      absolutise(i.metadata, `${baseUrl}/studies/${i.studyUid}/series/${i.seriesUid}/instances/${i.sopInstanceUid}/`),
    );
  }

  /**
   * Frames (PS3.18 8.7.3): as stored, compressed frames in their own media type, or as native
   * little-endian pixels (decoded, or byte-swapped from big endian), as the Accept header asks.
   */
  async framesAnswer(inst: InstanceRef, numbers: number[], accept: string | undefined): Promise<StreamAnswer> {
    const p = inst.pixel;
    if (!p) throw new AppError('NOT_FOUND', 'This instance has no pixel data.');
    const count = p.frames?.length ?? numberOfFrames(inst.metadata);
    for (const n of numbers)
      if (n < 1 || n > count) throw new AppError('NOT_FOUND', `Frame ${n} does not exist; this instance has ${count}.`);
    const how = negotiateFrames(parseAccept(accept), {
      transferSyntaxUid: inst.transferSyntaxUid,
      encapsulated: p.encapsulated,
    });
    const boundary = `zhiyin-${randomBytes(12).toString('hex')}`;
    const asStored = p.frames && (how === 'stored' || (!p.encapsulated && !this.needsConversion(inst)));
    if (!asStored) {
      // Converted frames are all prepared before the answer starts, so that a frame that cannot be
      // decoded is an error answer (406) rather than a cut multipart body.
      const parts: Buffer[] = [];
      for (const n of numbers) parts.push(await this.nativeFrame(inst, n));
      const type = 'application/octet-stream';
      return {
        kind: 'stream',
        type: `multipart/related; type="${type}"; boundary=${boundary}`,
        chunks: (function* () {
          for (const [k, n] of numbers.entries()) {
            const head = `${k === 0 ? '' : '\r\n'}--${boundary}\r\nContent-Type: ${type}; transfer-syntax=${EXPLICIT_LE}\r\nContent-Length: ${parts[k]!.length}\r\nContent-Location: frames/${n}\r\n\r\n`;
            yield { data: Buffer.from(head) };
            yield { data: parts[k]!, partEnd: true };
          }
          yield { data: Buffer.from(`\r\n--${boundary}--\r\n`) };
        })(),
      };
    }
    const frames = p.frames!;
    const mediaType = p.encapsulated
      ? (FRAME_MEDIA_TYPE[inst.transferSyntaxUid] ?? 'application/octet-stream')
      : 'application/octet-stream';
    const blobs = this.blobs;
    return {
      kind: 'stream',
      type: `multipart/related; type="${mediaType}"; boundary=${boundary}`,
      chunks: (async function* () {
        for (const [k, n] of numbers.entries()) {
          const ranges = frames[n - 1]!;
          const size = ranges.reduce((a, r) => a + r.length, 0);
          const tsParam = `; transfer-syntax=${p.encapsulated ? inst.transferSyntaxUid : EXPLICIT_LE}`;
          yield {
            data: Buffer.from(
              `${k === 0 ? '' : '\r\n'}--${boundary}\r\nContent-Type: ${mediaType}${tsParam}\r\nContent-Length: ${size}\r\nContent-Location: frames/${n}\r\n\r\n`,
            ),
          };
          for (const r of ranges) {
            if (r.length === 0) continue;
            for await (const chunk of blobs.read(inst.sha256, {
              start: r.offset,
              end: r.offset + r.length,
            }) as AsyncIterable<Buffer>) {
              yield { data: chunk, partEnd: true };
            }
          }
        }
        yield { data: Buffer.from(`\r\n--${boundary}--\r\n`) };
      })(),
    };
  }

  /** Native frames that are not little endian as stored: big endian, or deflated (frames not indexed). */
  private needsConversion(inst: InstanceRef): boolean {
    return inst.transferSyntaxUid === EXPLICIT_BE || !inst.pixel?.frames;
  }

  /** One frame as native little-endian pixels, with the photometric interpretation of what is returned. */
  async nativeFrameWithAttributes(
    inst: InstanceRef,
    n: number,
  ): Promise<{ pixels: Buffer; photometric: string; planarConfiguration: number }> {
    const p = inst.pixel;
    if (!p) throw new AppError('NOT_FOUND', 'This instance has no pixel data.');
    const a = imageAttributes(inst.metadata);
    if (p.encapsulated) {
      const ranges = p.frames?.[n - 1];
      if (!ranges) throw new AppError('NOT_ACCEPTABLE', 'The frames of this instance cannot be separated as stored.');
      const data = Buffer.concat(
        await Promise.all(ranges.map((r) => this.blobs.readBytes(inst.sha256, r.offset, r.length))),
      );
      const out = await this.decoder.decode({ ...a, transferSyntaxUid: inst.transferSyntaxUid, data });
      return {
        pixels: Buffer.from(out.pixels.buffer, out.pixels.byteOffset, out.pixels.byteLength),
        photometric: out.photometric,
        planarConfiguration: out.planarConfiguration,
      };
    }
    let bytes: Buffer;
    if (p.frames) {
      const r = p.frames[n - 1];
      if (!r) throw new AppError('NOT_FOUND', `Frame ${n} does not exist.`);
      bytes = await this.blobs.readBytes(inst.sha256, r[0]!.offset, r[0]!.length);
    } else {
      // Deflated: the pixel data is inside the compressed data set (checked at ingest to fit in memory).
      const whole = await this.blobs.readBytes(inst.sha256, 0, inst.sizeBytes);
      const f = getFrame(parseFull(whole, { validate: false }), n);
      bytes = Buffer.from(f.buffer, f.byteOffset, f.byteLength);
    }
    if (inst.transferSyntaxUid === EXPLICIT_BE) bytes = swapToLittleEndian(bytes, a.bitsAllocated, p.vr);
    return { pixels: bytes, photometric: a.photometric, planarConfiguration: a.planarConfiguration };
  }

  private async nativeFrame(inst: InstanceRef, n: number): Promise<Buffer> {
    return (await this.nativeFrameWithAttributes(inst, n)).pixels;
  }

  /**
   * A bulk data value by its path in the data set (BulkDataURI), in little-endian byte order as WADO-RS answers bulk
   * data by default (PS3.18 8.7.3.3): a big-endian file's words are swapped.
   */
  async bulk(inst: InstanceRef, path: string): Promise<Buffer> {
    const [value] = await this.bulkValues(inst, [path]);
    if (!value) throw notFound('Bulk data');
    return value;
  }

  /**
   * Several bulk data values of one instance from one read of its file (a palette's three tables). Values before the
   * pixel data are read from the file's head only, not the whole file; the pixel data itself is read by its offset.
   */
  private async bulkValues(inst: InstanceRef, paths: readonly string[]): Promise<(Buffer | undefined)[]> {
    const p = inst.pixel;
    const deflated = inst.transferSyntaxUid.endsWith('.99');
    const bigEndian = inst.transferSyntaxUid === EXPLICIT_BE;
    const out: (Buffer | undefined)[] = new Array(paths.length);
    const rest: number[] = [];
    for (const [i, path] of paths.entries()) {
      if (p && path === p.tag && !p.encapsulated && p.valueLength !== null && !deflated) {
        const bytes = await this.blobs.readBytes(inst.sha256, p.valueOffset, p.valueLength);
        out[i] = bigEndian ? swapToLittleEndian(bytes, imageAttributes(inst.metadata).bitsAllocated, p.vr) : bytes;
      } else rest.push(i);
    }
    if (!rest.length) return out;
    const beforePixels = p && !deflated && rest.every((i) => paths[i]!.slice(0, 8).toUpperCase() < p.tag.toUpperCase());
    const head = beforePixels ? await this.headOf(inst, p.valueOffset).catch(() => undefined) : undefined;
    const take = (ds: DicomDataset, i: number) => {
      const data = getBulkDataLittleEndian(ds, paths[i]!);
      if (data) out[i] = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    };
    if (head) rest.forEach((i) => take(head, i));
    // What the head did not hold (or no head to read): the whole file, parsed once.
    const missing = rest.filter((i) => !out[i]);
    if (missing.length) {
      const whole = parseFull(await this.blobs.readBytes(inst.sha256, 0, inst.sizeBytes), { validate: false });
      missing.forEach((i) => take(whole, i));
    }
    return out;
  }

  /** The attributes of a stored file up to its pixel data, from the bytes before it. */
  private async headOf(inst: InstanceRef, pixelValueOffset: number) {
    const prefix = await this.blobs.readBytes(inst.sha256, 0, pixelValueOffset);
    return parseHeader(prefix, { totalLength: inst.sizeBytes, validate: false }).dataset;
  }

  /**
   * Loads the image library before the first rendering (called once the server listens, not in tests' apps). The
   * frame decoders are not started here: compiling every codec in every worker took ~4 CPU-seconds, which an ingest
   * right after a start paid for (STOW-RS at concurrency 1: 52 → 47.5 MB/s in the 2026-12-07 18:49 run).
   */
  warm(): void {
    warmRenderer().catch(() => undefined);
  }

  /**
   * One frame rendered to PNG or JPEG. Compressed, big-endian and deflated frames are first made
   * native little endian (decoded in the worker pool), then take the same windowing path.
   */
  async rendered(inst: InstanceRef, frame: number, opts: RenderOptions): Promise<Rendered> {
    const p = inst.pixel;
    if (!p) throw new AppError('NOT_ACCEPTABLE', 'This instance has no image to render.');
    const count = p.frames?.length ?? numberOfFrames(inst.metadata);
    if (frame < 1 || frame > count) throw new AppError('NOT_FOUND', `Frame ${frame} does not exist.`);
    return this.renderings.get(renderKey(inst.sha256, frame, opts), () => this.render(inst, frame, opts));
  }

  /** Whether the frame's rendering with these options is kept (made ahead, or asked for a moment ago). */
  isRendered(inst: Pick<InstanceRef, 'sha256'>, frame: number, opts: RenderOptions): boolean {
    return this.renderings.has(renderKey(inst.sha256, frame, opts));
  }

  private async render(inst: InstanceRef, frame: number, opts: RenderOptions): Promise<Rendered> {
    const native = await this.nativeFrameWithAttributes(inst, frame);
    const a = imageAttributes(inst.metadata);
    const palette = native.photometric === 'PALETTE COLOR' ? await this.paletteOf(inst, a.bitsAllocated) : undefined;
    return renderFrame(
      native.pixels,
      {
        ...inst.metadata,
        '00280004': { vr: 'CS', Value: [native.photometric] },
        '00280006': { vr: 'US', Value: [native.planarConfiguration] },
      },
      EXPLICIT_LE,
      opts,
      palette,
    );
  }

  /**
   * A thumbnail (PS3.18 10.4.1.2, 8.7.4): one frame rendered small. The origin server chooses what represents the
   * target: for a study, its first series with images (by series number); for a series, its middle image (by
   * instance number, the middle slice of a CT); for an instance, its first frame; for a frame, that frame. The
   * image fits the viewport asked for, else 256 × 256, and small images are not enlarged.
   *
   * @returns the image and the instance it was made from (for the audit)
   */
  async thumbnail(
    list: InstanceRef[],
    frame: number | undefined,
    opts: RenderOptions,
  ): Promise<{ body: Buffer; type: string; instance: InstanceRef }> {
    const images = list.filter((i) => i.pixel !== null);
    const firstSeries = images[0]?.seriesUid;
    const series = images.filter((i) => i.seriesUid === firstSeries);
    const instance = list.length === 1 ? images[0] : series[Math.floor((series.length - 1) / 2)];
    if (!instance) throw new AppError('NOT_ACCEPTABLE', 'There is no image here to make a thumbnail of.');
    const out = await this.rendered(instance, frame ?? 1, {
      ...opts,
      viewport: opts.viewport ?? { width: THUMBNAIL_SIZE, height: THUMBNAIL_SIZE },
      withoutEnlargement: opts.viewport === undefined,
    });
    return { ...out, instance };
  }

  /** The red, green and blue palette colour lookup tables (PS3.3 C.7.6.3.1.5-6), read from the stored file. */
  private async paletteOf(inst: InstanceRef, bitsAllocated: number): Promise<Palette> {
    const descriptor = (tag: string) => {
      const v = inst.metadata[tag]?.Value ?? [];
      return v.map((x) => Number(x));
    };
    const tables: Palette['tables'] = [];
    const luts = [
      ['00281101', '00281201'],
      ['00281102', '00281202'],
      ['00281103', '00281203'],
    ] as const;
    // The three tables from one read of the file, little endian whatever the file's byte order.
    const data = await this.bulkValues(
      inst,
      luts.map(([, d]) => d),
    );
    for (const [k, [d]] of luts.entries()) {
      const [entries, first, bits] = descriptor(d);
      if (entries === undefined || first === undefined || bits === undefined)
        throw new AppError(
          'NOT_ACCEPTABLE',
          'This palette colour image has no palette (Palette Color Lookup Table Descriptor).',
        );
      const bytes = data[k];
      if (!bytes)
        throw new AppError(
          'NOT_ACCEPTABLE',
          'This palette colour image has no palette data (Palette Color Lookup Table Data).',
        );
      // Descriptor entries of 0 mean 65536 (PS3.3 C.7.6.3.1.5); data is 16-bit words.
      const n = entries === 0 ? 65536 : entries;
      const words = new Uint16Array(n);
      for (let i = 0; i < n && i * 2 + 1 < bytes.length; i++) words[i] = bytes.readUInt16LE(i * 2);
      tables.push({ first: bitsAllocated === 8 ? first & 0xff : first, bits, words });
    }
    return { tables };
  }
}

const EXPLICIT_BE = '1.2.840.10008.1.2.2';
const THUMBNAIL_SIZE = 256;

function numberOfFrames(meta: DicomJsonDataset): number {
  const v = Number(meta['00280008']?.Value?.[0] ?? 1);
  return Number.isInteger(v) && v >= 1 ? v : 1;
}

/**
 * Big-endian pixel data to little endian (PS3.5 7.3): words of Bits Allocated are swapped; 8-bit
 * pixels in an OW value were stored in swapped byte pairs, in OB they are in order.
 */
function swapToLittleEndian(src: Buffer, bitsAllocated: number, vr: string): Buffer {
  const out = Buffer.from(src);
  const even = out.subarray(0, out.length - (out.length % 2));
  if (bitsAllocated === 16 || (bitsAllocated <= 8 && vr === 'OW')) even.swap16();
  else if (bitsAllocated === 32) out.subarray(0, out.length - (out.length % 4)).swap32();
  return out;
}

function absolutise(json: DicomJsonDataset, prefix: string): DicomJsonDataset {
  const out: DicomJsonDataset = {};
  for (const [tag, el] of Object.entries(json)) {
    if (el.BulkDataURI?.startsWith('bulk/')) out[tag] = { ...el, BulkDataURI: prefix + el.BulkDataURI };
    else if (el.vr === 'SQ' && el.Value) {
      out[tag] = {
        ...el,
        Value: el.Value.map((item) =>
          item && typeof item === 'object' && !('Alphabetic' in item)
            ? absolutise(item as DicomJsonDataset, prefix)
            : item,
        ),
      };
    } else out[tag] = el;
  }
  return out;
}
