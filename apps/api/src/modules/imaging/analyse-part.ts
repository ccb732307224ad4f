import {
  locatePixelData,
  parseFull,
  toDicomJson,
  tryParseHeader,
  type DicomDataset,
  type DicomJsonDataset,
  type DicomSummary,
} from '@zhiyin/dicom';
import { open, type FileHandle } from 'node:fs/promises';
import { failureForDicomError, type PartFailure } from './stow-status.js';

/** Where pixel data and its frames are in the stored file (WADO-RS frames and rendering). */
export interface PixelInfo {
  tag: string;
  vr: string;
  encapsulated: boolean;
  valueOffset: number;
  valueLength: number | null;
  /** per frame, the byte ranges in the file (one range native, one per fragment encapsulated) */
  frames: { offset: number; length: number }[][] | null;
}

export interface AnalysedPart {
  summary: DicomSummary & {
    sopInstanceUid: string;
    sopClassUid: string;
    studyInstanceUid: string;
    seriesInstanceUid: string;
  };
  /** DICOM JSON of the whole instance; bulk data as relative `bulk/<path>` URIs */
  metadata: DicomJsonDataset;
  pixel: PixelInfo | null;
}

const PREFIX_LIMIT = 64 * 1024 * 1024;
const FULL_PARSE_LIMIT = 64 * 1024 * 1024;

/** The bytes of a received part: a file in the temporary area, or slices held in memory. */
export interface PartSource {
  size: number;
  /** up to `length` bytes from `offset` (fewer at the end) */
  read(offset: number, length: number): Promise<Buffer>;
  close?(): Promise<void>;
}

export function fileSource(path: string, size: number): PartSource {
  let fh: FileHandle | undefined;
  return {
    size,
    async read(offset, length) {
      fh ??= await open(path, 'r');
      const buf = Buffer.alloc(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await fh.read(buf, done, length - done, offset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return buf.subarray(0, done);
    },
    async close() {
      await fh?.close();
      fh = undefined;
    },
  };
}

export function memorySource(chunks: Buffer[], size: number): PartSource {
  return {
    size,
    read(offset, length) {
      const out: Buffer[] = [];
      let pos = 0;
      const end = Math.min(size, offset + length);
      for (const c of chunks) {
        const from = Math.max(offset, pos);
        const to = Math.min(end, pos + c.length);
        if (from < to) out.push(c.subarray(from - pos, to - pos));
        pos += c.length;
        if (pos >= end) break;
      }
      return Promise.resolve(out.length === 1 ? out[0]! : Buffer.concat(out));
    },
  };
}

const relativeBulk = (_tag: string, ref: { path: string }) => `bulk/${ref.path}`;

/**
 * Parses and checks one received part (already on disk, fsynced). Reads only the header bytes,
 * except for objects whose bulk data must be walked to be trusted (waveforms, deflated files,
 * encapsulated pixel data items).
 */
export async function analysePart(source: PartSource, prefix: Buffer): Promise<AnalysedPart | PartFailure> {
  try {
    return await analyse(source, prefix);
  } finally {
    await source.close?.();
  }
}

async function analyse(source: PartSource, prefix: Buffer): Promise<AnalysedPart | PartFailure> {
  const size = source.size;
  let bytes: Uint8Array = prefix;
  let parsed = tryParseHeader(bytes, { totalLength: size });
  while (!parsed.ok && parsed.error.code === 'NEED_MORE_BYTES') {
    const want = Math.min(size, Math.max(parsed.error.bytesNeeded ?? 0, bytes.length * 2));
    if (want > PREFIX_LIMIT || want <= bytes.length) {
      return { code: 'HEADER_TOO_LARGE', message: 'The DICOM header is larger than 64 MiB.', reason: 0xa700 };
    }
    bytes = await source.read(0, want);
    parsed = tryParseHeader(bytes, { totalLength: size });
  }
  if (!parsed.ok) return failureForDicomError(parsed.error.code, parsed.error.message);

  let { dataset } = parsed.value;
  const { summary } = parsed.value;
  const stopped = dataset.stoppedAt;
  // Waveforms (ECG) and deflated files: parse the whole file, which checks every element to the last byte.
  if (
    (stopped && stopped.tag !== '7FE00010' && stopped.tag !== '7FE00008' && stopped.tag !== '7FE00009') ||
    dataset.transferSyntax.deflated
  ) {
    if (size > FULL_PARSE_LIMIT)
      return { code: 'OBJECT_TOO_LARGE', message: 'This object is too large to check.', reason: 0xa700 };
    const whole = await source.read(0, size);
    try {
      dataset = parseFull(whole);
    } catch (e) {
      const err = e as { code?: Parameters<typeof failureForDicomError>[0]; message: string };
      return failureForDicomError(err.code ?? 'MALFORMED', err.message);
    }
  }

  let pixel: PixelInfo | null = null;
  const loc = dataset.complete ? locatePixelData(dataset) : stopped ? locatePixelData(dataset) : undefined;
  if (loc) {
    const vr = dataset.stoppedAt?.vr ?? (dataset.transferSyntax.encapsulated ? 'OB' : 'OW');
    if (!loc.encapsulated) {
      const end = loc.valueOffset + (loc.valueLength ?? 0);
      if (!dataset.transferSyntax.deflated && end > size) {
        return { code: 'TRUNCATED', message: 'The file ends inside the pixel data.', reason: 0xc000 };
      }
      pixel = {
        tag: loc.tag,
        vr,
        encapsulated: false,
        valueOffset: loc.valueOffset,
        valueLength: loc.valueLength ?? null,
        frames: dataset.transferSyntax.deflated
          ? null
          : (loc.frames?.map((f) => (f.bitOffset === 0 ? f.ranges : null)).filter((r) => r !== null) ?? null),
      };
      if (pixel.frames && pixel.frames.length !== loc.numberOfFrames) pixel.frames = null;
    } else {
      const items = await walkEncapsulated(source, loc.valueOffset, size);
      if ('code' in items) return items;
      pixel = {
        tag: loc.tag,
        vr: 'OB',
        encapsulated: true,
        valueOffset: loc.valueOffset,
        valueLength: null,
        frames: groupFrames(items.fragments, items.offsets, loc.numberOfFrames),
      };
    }
  }

  const metadata = toDicomJson(dataset, { bulkDataUri: relativeBulk });
  if (pixel && !metadata[pixel.tag]) metadata[pixel.tag] = { vr: pixel.vr, BulkDataURI: `bulk/${pixel.tag}` };
  return { summary: summary as AnalysedPart['summary'], metadata, pixel };
}

interface Fragments {
  fragments: { offset: number; length: number }[];
  offsets: number[];
}

// Walks the items of encapsulated pixel data on disk (PS3.5 A.4): the Basic Offset Table item,
// fragment items, then the Sequence Delimitation Item. A file cut short fails here.
async function walkEncapsulated(
  source: PartSource,
  valueOffset: number,
  size: number,
): Promise<Fragments | PartFailure> {
  const truncated: PartFailure = { code: 'TRUNCATED', message: 'The file ends inside the pixel data.', reason: 0xc000 };
  let pos = valueOffset;
  let first = true;
  const fragments: { offset: number; length: number }[] = [];
  let offsets: number[] = [];
  for (let n = 0; n < 1_000_000; n++) {
    if (pos + 8 > size) return truncated;
    const head = await source.read(pos, 8);
    const group = head.readUInt16LE(0);
    const element = head.readUInt16LE(2);
    const length = head.readUInt32LE(4);
    if (group !== 0xfffe)
      return { code: 'MALFORMED', message: 'Encapsulated pixel data has an invalid item.', reason: 0xc000 };
    if (element === 0xe0dd) return { fragments, offsets };
    if (element !== 0xe000 || length === 0xffffffff) {
      return { code: 'MALFORMED', message: 'Encapsulated pixel data has an invalid item.', reason: 0xc000 };
    }
    if (pos + 8 + length > size) return truncated;
    if (first) {
      if (length > 0) {
        const table = await source.read(pos + 8, length);
        offsets = Array.from({ length: length / 4 }, (_, i) => table.readUInt32LE(i * 4));
      }
      first = false;
    } else fragments.push({ offset: pos + 8, length });
    pos += 8 + length;
  }
  return truncated;
}

function groupFrames(fragments: Fragments['fragments'], bot: number[], frames: number): PixelInfo['frames'] {
  if (fragments.length === 0) return null;
  if (frames === 1) return [fragments];
  if (fragments.length === frames) return fragments.map((f) => [f]);
  if (bot.length === frames) {
    // Offsets are relative to the first fragment's item tag.
    const base = fragments[0]!.offset - 8;
    const starts = bot.map((o) => fragments.findIndex((f) => f.offset - 8 - base === o));
    if (starts.every((s, i) => s >= 0 && (i === 0 || s > starts[i - 1]!))) {
      return starts.map((s, i) => fragments.slice(s, i + 1 < starts.length ? starts[i + 1] : fragments.length));
    }
  }
  return null;
}

export type { DicomDataset };
