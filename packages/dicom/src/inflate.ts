/**
 * Raw-deflate inflation for Deflated Explicit VR Little Endian (PS3.5 A.5), with pako so it runs in browsers.
 * Internal to the package.
 */
import { Inflate, Z_SYNC_FLUSH } from 'pako';

/** Result of inflating what is available of a deflated data set. */
export interface InflateResult {
  /** The inflated bytes produced so far. */
  bytes: Uint8Array;
  /** True when the deflate stream ended (the whole data set was inflated). */
  ended: boolean;
  /** pako's message when the stream is corrupt. */
  error: string | undefined;
}

/**
 * Inflates a raw deflate stream that may be cut short (a file prefix).
 *
 * @param deflated - the deflated bytes (the part of the file after the file meta information)
 * @returns what could be inflated, and whether the stream ended
 */
export function inflateAvailable(deflated: Uint8Array): InflateResult {
  const inflator = new Inflate({ raw: true });
  const chunks: Uint8Array[] = [];
  inflator.onData = (chunk: Uint8Array) => {
    chunks.push(chunk);
  };
  inflator.push(deflated, Z_SYNC_FLUSH);
  const error = inflator.err !== 0 && inflator.msg ? inflator.msg : undefined;
  let total = 0;
  for (const c of chunks) total += c.length;
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  return { bytes, ended: inflator.ended, error };
}
