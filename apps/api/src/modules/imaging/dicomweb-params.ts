import { AppError } from '#src/common/errors.js';
import type { DicomwebInput } from './dicomweb-answer.js';
import type { RenderOptions, Viewport } from './render.js';
import { parseAccept } from './wado.service.js';

/** A `{frames}` path segment: a comma-separated list of frame numbers. */
export function parseFrames(list: string): number[] {
  if (!/^\d{1,6}(,\d{1,6}){0,999}$/.test(list))
    throw new AppError('BAD_REQUEST', 'Frames are a comma-separated list of frame numbers, e.g. 1,2,3.');
  return list.split(',').map(Number);
}

/** `viewport=vw,vh[,sx,sy,sw,sh]` (PS3.18 8.3.5.1.3); a flipped region (negative sw or sh) is not offered. */
function parseViewport(v: unknown): Viewport {
  const bad = () =>
    new AppError(
      'BAD_REQUEST',
      'viewport must be vw,vh or vw,vh,sx,sy,sw,sh: a width and height of 1 to 4096 pixels, then an optional region.',
      { reason: 'INVALID_VIEWPORT' },
    );
  if (typeof v !== 'string') throw bad();
  const parts = v.split(',');
  if (parts.length !== 2 && parts.length !== 6) throw bad();
  const n = parts.map((p) => (/^\d{1,6}(\.\d+)?$/.test(p.trim()) ? Number(p) : NaN));
  if (n.some((x) => Number.isNaN(x))) throw bad();
  const [width, height, left, top, w, h] = n as [number, number, number?, number?, number?, number?];
  if (width < 1 || height < 1 || width > 4096 || height > 4096) throw bad();
  const out: Viewport = { width: Math.round(width), height: Math.round(height) };
  if (parts.length === 6) {
    if (!w || !h) throw bad();
    out.region = { left: left!, top: top!, width: w, height: h };
  }
  return out;
}

/** The rendering a /rendered or /thumbnail request asks for (PS3.18 8.3.5): media type, window, viewport, quality. */
export function renderOptions(input: DicomwebInput): RenderOptions {
  const accept = parseAccept(input.accept);
  let type: RenderOptions['type'] | undefined;
  for (const r of accept) {
    if (r.type === 'image/png') type = 'image/png';
    else if (r.type === 'image/jpeg' || r.type === 'image/*' || r.type === '*/*') type = 'image/jpeg';
    if (type) break;
  }
  if (!type) throw new AppError('NOT_ACCEPTABLE', 'Rendered images are available as image/jpeg or image/png.');
  const opts: RenderOptions = { type };
  const w = input.query.window;
  if (typeof w === 'string') {
    // Decimal strings, as DS values may be written (an RT dose window in Gy: `0.0412,0.005,linear-exact`).
    const decimal = '[-+]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][-+]?\\d+)?';
    const m = new RegExp(`^(${decimal}),(${decimal})(?:,(linear|linear-exact|sigmoid))?$`, 'i').exec(w);
    const width = Number(m?.[2]);
    // PS3.3 C.11.2.1.2: the linear function needs a width of at least 1; linear-exact and sigmoid any above 0.
    const linear = (m?.[3] ?? 'linear').toLowerCase() === 'linear';
    if (!m || !Number.isFinite(Number(m[1])) || !(width > 0) || (linear && width < 1))
      throw new AppError(
        'BAD_REQUEST',
        'window must be center,width[,linear|linear-exact|sigmoid]; width ≥ 1 for linear, above 0 for the others.',
      );
    opts.window = {
      center: Number(m[1]),
      width: Number(m[2]),
      fn: (m[3]?.toLowerCase().replace('-', '_') ?? 'linear') as 'linear',
    };
  }
  const v = input.query.viewport;
  if (v !== undefined) opts.viewport = parseViewport(v);
  const q = input.query.quality;
  if (typeof q === 'string') {
    if (!/^\d{1,3}$/.test(q) || Number(q) < 1 || Number(q) > 100)
      throw new AppError('BAD_REQUEST', 'quality must be 1 to 100.');
    opts.quality = Number(q);
  }
  return opts;
}

/**
 * `X-Zhiyin-Patient-Override: <reason>`: the sender confirms that files whose patient identity differs from their
 * referral's patient are this patient's all the same. A reason in Chinese is sent percent-encoded (UTF-8), as HTTP
 * header values are Latin-1.
 */
export function patientOverride(raw: string | string[] | undefined): string | undefined {
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (!value) return undefined;
  try {
    return decodeURIComponent(value);
  } catch {
    throw new AppError('BAD_REQUEST', 'X-Zhiyin-Patient-Override must be plain text or percent-encoded UTF-8.', {
      reason: 'INVALID_OVERRIDE',
    });
  }
}
