import {
  init as coreInit,
  imageLoader,
  metaData,
  setUseCPURendering,
  type Types as CoreTypes,
} from '@cornerstonejs/core';
import {
  AngleTool,
  addTool,
  EllipticalROITool,
  init as toolsInit,
  LengthTool,
  PanTool,
  ProbeTool,
  RectangleROITool,
  StackScrollTool,
  WindowLevelTool,
  ZoomTool,
} from '@cornerstonejs/tools';
import dicomImageLoader, { createImage, wadors } from '@cornerstonejs/dicom-image-loader';
import { session } from '../../lib/session';
import { svgTextStyleThroughCssom } from './svgTextStyle';

/** Where the build puts the codecs' WebAssembly (see the copy step in vite.config.ts). */
export const CODEC_BASE = '/assets/codecs/';
/** What the server answers when asked for decoded pixels: explicit VR little endian. */
const NATIVE_ACCEPT = 'multipart/related; type="application/octet-stream"; transfer-syntax=1.2.840.10008.1.2.1';
const EXPLICIT_LITTLE = '1.2.840.10008.1.2.1';

let ready: Promise<void> | null = null;

/** The bearer token of the session (held in memory only) for the loader's own requests. */
async function authHeaders(): Promise<Record<string, string>> {
  const token = await session.validToken().catch(() => session.get()?.accessToken ?? null);
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/**
 * The server's decoded pixels for a frame the browser's codec could not read (an odd JPEG process,
 * a codec's failure): the same frame URL asked for explicit little endian.
 */
async function loadDecodedByServer(imageId: string, options: Record<string, unknown>): Promise<CoreTypes.IImage> {
  const pixels = await nativeFrameBytes(imageId);
  // Native pixels: the loader applies the rescale and photometric interpretation as for any native frame.
  const image = await createImage(imageId, pixels, EXPLICIT_LITTLE, { ...options, preScale: { enabled: true } });
  return image as unknown as CoreTypes.IImage;
}

/**
 * A 1-bit frame (a binary segmentation). WADO-RS gives it as stored, eight pixels to a byte, first pixel in the least
 * significant bit (PS3.5 8.1.1, D.2); the loader's WADO-RS path hands those bytes on as if each were a pixel (only its
 * file path unpacks them), so the frame is unpacked here, one byte per pixel, 0 or 1.
 */
async function loadBinaryFrame(
  imageId: string,
  options: Record<string, unknown>,
  pixels: { rows: number; columns: number },
): Promise<CoreTypes.IImage> {
  const packed = await nativeFrameBytes(imageId);
  const count = pixels.rows * pixels.columns;
  if (packed.length < Math.ceil(count / 8)) throw new Error('The frame is shorter than its image.');
  const unpacked = new Uint8Array(count);
  for (let i = 0; i < count; i++) unpacked[i] = (packed[i >> 3]! >> (i & 7)) & 1;
  return (await createImage(imageId, unpacked, EXPLICIT_LITTLE, options)) as unknown as CoreTypes.IImage;
}

/** A frame's native pixels as the server answers them (explicit VR little endian), the session's token sent. */
async function nativeFrameBytes(imageId: string): Promise<Uint8Array> {
  const url = imageId.slice('wadors:'.length);
  const res = await fetch(url, { headers: { Accept: NATIVE_ACCEPT, ...(await authHeaders()) } });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const type = res.headers.get('content-type') ?? '';
  const body = new Uint8Array(await res.arrayBuffer());
  return type.startsWith('multipart/') ? firstPart(body, type) : body;
}

/** The body of the first part of a multipart/related answer. */
function firstPart(body: Uint8Array, contentType: string): Uint8Array {
  const m = /boundary="?([^";]+)"?/i.exec(contentType);
  if (!m) return body;
  const enc = new TextEncoder();
  const boundary = enc.encode(`--${m[1]}`);
  const find = (needle: Uint8Array, from: number) => {
    outer: for (let i = from; i <= body.length - needle.length; i++) {
      for (let j = 0; j < needle.length; j++) if (body[i + j] !== needle[j]) continue outer;
      return i;
    }
    return -1;
  };
  const start = find(boundary, 0);
  const headersEnd = find(enc.encode('\r\n\r\n'), start);
  const next = find(enc.encode(`\r\n--${m[1]}`), headersEnd + 4);
  return body.subarray(headersEnd + 4, next < 0 ? body.length : next);
}

/** Frames that the browser decoder failed on and the server decoded instead (shown on screen). */
export const serverDecoded = new Set<string>();

/**
 * Cornerstone3D once per page: rendering (GPU when WebGL is there, else the CPU path), the tools,
 * and the DICOMweb loader with its codecs in web workers, the session's bearer token on each request
 * and a fallback to the server's decoded pixels.
 */
export function initCornerstone(): Promise<void> {
  ready ??= Promise.resolve().then(() => {
    coreInit();
    svgTextStyleThroughCssom();
    if (!hasWebGl()) setUseCPURendering(true);
    toolsInit();
    for (const tool of [
      WindowLevelTool,
      PanTool,
      ZoomTool,
      StackScrollTool,
      LengthTool,
      AngleTool,
      EllipticalROITool,
      RectangleROITool,
      ProbeTool,
    ])
      addTool(tool);
    dicomImageLoader.init({
      maxWebWorkers: Math.max(1, Math.min(4, Math.floor((navigator.hardwareConcurrency || 2) / 2))),
      beforeSend: () => authHeaders(),
      decodeConfig: { wasmBasePath: CODEC_BASE },
    });
    const original = wadors.loadImage as unknown as (
      id: string,
      o?: Record<string, unknown>,
    ) => { promise: Promise<CoreTypes.IImage> };
    imageLoader.registerImageLoader('wadors', (imageId: string, options: Record<string, unknown> = {}) => {
      const pixel = metaOf<{ bitsAllocated?: number; rows: number; columns: number }>('imagePixelModule', imageId);
      if (pixel?.bitsAllocated === 1) return { promise: loadBinaryFrame(imageId, options, pixel) };
      return {
        promise: original(imageId, options).promise.catch(async () => {
          const image = await loadDecodedByServer(imageId, options);
          serverDecoded.add(imageId);
          return image;
        }),
      };
    });
  });
  return ready;
}

function hasWebGl(): boolean {
  try {
    const c = document.createElement('canvas');
    return Boolean(c.getContext('webgl2') ?? c.getContext('webgl'));
  } catch {
    return false;
  }
}

/** A module of the metadata providers (wadors instance metadata registered per imageId). */
export function metaOf<T = Record<string, unknown>>(type: string, imageId: string): T | undefined {
  return metaData.get(type, imageId) as T | undefined;
}
