/**
 * Runs in a worker thread (see frame-decoder.ts): decodes one compressed frame with the
 * WebAssembly builds of the reference codecs (libjpeg-turbo, CharLS, OpenJPEG, OpenJPH),
 * jpeg-lossless-decoder-js or, for 12-bit DCT JPEG, the JPEG decoder Cornerstone's DICOM image
 * loader ships; and RLE per PS3.5 Annex G, so that the event loop never decodes.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort } from 'node:worker_threads';
import { decodeRle } from './rle.js';
import type { DecodeRequest, DecodeResult } from './frame-decoder.js';

const require = createRequire(import.meta.url);

interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getFrameInfo(): { width: number; height: number; bitsPerSample: number; componentCount: number; isSigned?: boolean };
  getDecodedBuffer(): Uint8Array;
  delete?(): void;
}
type Factory = () => Promise<Record<string, new () => WasmDecoder>>;

// Each codec's module is instantiated once per worker, on first use.
const modules = new Map<string, Promise<Record<string, new () => WasmDecoder>>>();
function codec(path: string): Promise<Record<string, new () => WasmDecoder>> {
  let m = modules.get(path);
  if (!m) {
    m = (require(path) as Factory)();
    modules.set(path, m);
  }
  return m;
}

async function wasmDecode(path: string, cls: string, data: Uint8Array): Promise<{ pixels: Uint8Array; bits: number }> {
  const mod = await codec(path);
  const Ctor = mod[cls];
  if (!Ctor) throw new Error(`The codec lacks ${cls}.`);
  const d = new Ctor();
  try {
    d.getEncodedBuffer(data.length).set(data);
    d.decode();
    const info = d.getFrameInfo();
    // The decoded buffer lives in the WebAssembly heap: copy it out before the decoder is freed.
    return { pixels: new Uint8Array(d.getDecodedBuffer()), bits: info.bitsPerSample };
  } finally {
    d.delete?.();
  }
}

function jpegLossless(data: Uint8Array, bitsAllocated: number): { pixels: Uint8Array; bits: number } {
  const { Decoder } = require('jpeg-lossless-decoder-js') as {
    Decoder: new () => { decode(b: ArrayBuffer, o: number, l: number, n?: number): ArrayBufferView };
  };
  const copy = data.slice();
  const out = new Decoder().decode(copy.buffer, 0, copy.length, bitsAllocated > 8 ? 2 : 1);
  return { pixels: new Uint8Array(out.buffer, out.byteOffset, out.byteLength), bits: bitsAllocated > 8 ? 16 : 8 };
}

interface JpegImage {
  parse(data: Uint8Array): void;
  colorTransform: boolean;
  getData16(width: number, height: number): Uint16Array;
}
let jpegImage: Promise<new () => JpegImage> | undefined;

/**
 * 12-bit DCT JPEG (process 4), grey: the libjpeg-turbo WebAssembly build is 8-bit only, and the
 * loader's JavaScript decoder is the maintained one that reads 12-bit precision. It is not exported
 * by the package, so it is loaded by its file; patches/ corrects its level shift for 12-bit samples
 * (without it every sample is 15 too high).
 */
async function jpeg12(r: DecodeRequest): Promise<{ pixels: Uint8Array; bits: number }> {
  if (r.samplesPerPixel !== 1) throw new Error('12-bit colour JPEG has no decoder here.');
  jpegImage ??= (async () => {
    const root = dirname(require.resolve('@cornerstonejs/dicom-image-loader/package.json'));
    const mod = (await import(pathToFileURL(join(root, 'dist/esm/codecs/jpeg.js')).href)) as {
      default: new () => JpegImage;
    };
    return mod.default;
  })();
  const Ctor = await jpegImage;
  const j = new Ctor();
  j.parse(r.data);
  j.colorTransform = false;
  const px = j.getData16(r.columns, r.rows);
  return { pixels: new Uint8Array(px.buffer, px.byteOffset, px.byteLength), bits: 16 };
}

export async function decode(r: DecodeRequest): Promise<DecodeResult> {
  const ts = r.transferSyntaxUid;
  let out: { pixels: Uint8Array; bits: number };
  let photometric = r.photometric;
  let planarConfiguration = r.planarConfiguration;
  switch (ts) {
    case '1.2.840.10008.1.2.4.50':
    case '1.2.840.10008.1.2.4.51':
      if (r.bitsStored > 8) {
        out = await jpeg12(r);
        break;
      }
      out = await wasmDecode('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs', 'JPEGDecoder', r.data);
      // libjpeg-turbo returns colour as interleaved RGB (it converts from YCbCr).
      if (r.samplesPerPixel === 3) {
        photometric = 'RGB';
        planarConfiguration = 0;
      }
      break;
    case '1.2.840.10008.1.2.4.57':
    case '1.2.840.10008.1.2.4.70':
      out = jpegLossless(r.data, r.bitsAllocated);
      if (r.samplesPerPixel === 3) planarConfiguration = 0;
      break;
    case '1.2.840.10008.1.2.4.80':
    case '1.2.840.10008.1.2.4.81':
      out = await wasmDecode('@cornerstonejs/codec-charls/decodewasmjs', 'JpegLSDecoder', r.data);
      if (r.samplesPerPixel === 3) planarConfiguration = 0;
      break;
    case '1.2.840.10008.1.2.4.90':
    case '1.2.840.10008.1.2.4.91':
      out = await wasmDecode('@cornerstonejs/codec-openjpeg/decodewasmjs', 'J2KDecoder', r.data);
      if (r.samplesPerPixel === 3) {
        // OpenJPEG undoes the component transform (YBR_ICT/YBR_RCT) and interleaves.
        if (photometric.startsWith('YBR_ICT') || photometric.startsWith('YBR_RCT')) photometric = 'RGB';
        planarConfiguration = 0;
      }
      break;
    case '1.2.840.10008.1.2.4.201':
    case '1.2.840.10008.1.2.4.202':
    case '1.2.840.10008.1.2.4.203':
      out = await wasmDecode('@cornerstonejs/codec-openjph/wasmjs', 'HTJ2KDecoder', r.data);
      if (r.samplesPerPixel === 3) {
        if (photometric.startsWith('YBR_ICT') || photometric.startsWith('YBR_RCT')) photometric = 'RGB';
        planarConfiguration = 0;
      }
      break;
    case '1.2.840.10008.1.2.5':
      out = { pixels: decodeRle(r.data, r), bits: r.bitsAllocated };
      break;
    default:
      throw new Error(`No decoder for transfer syntax ${ts}.`);
  }
  return { pixels: widen(out.pixels, r), photometric, planarConfiguration };
}

// An 8-bit decode of an image with 16 bits allocated is widened to 16-bit little endian.
function widen(p: Uint8Array, r: DecodeRequest): Uint8Array {
  const samples = r.rows * r.columns * r.samplesPerPixel;
  if (r.bitsAllocated === 16 && p.length === samples) {
    const out = new Uint8Array(samples * 2);
    for (let i = 0; i < samples; i++) out[i * 2] = p[i]!;
    return out;
  }
  return p;
}

parentPort?.on('message', (msg: { id: number; request: DecodeRequest }) => {
  decode(msg.request).then(
    (result) => parentPort!.postMessage({ id: msg.id, result }, [result.pixels.buffer as ArrayBuffer]),
    (e: unknown) => parentPort!.postMessage({ id: msg.id, error: e instanceof Error ? e.message : String(e) }),
  );
});
