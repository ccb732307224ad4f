import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { createDeflate, constants } from 'node:zlib';
import { fsyncPath } from './durable-file.js';

// Deflate is used only when it saves at least this share of the bytes (the hub inflates, which costs it time).
const WORTH_IT = 0.95;

export interface Prepared {
  /** SHA-256 of the original file: the hub checks what it inflated or received against it */
  sha256: string;
  encoding: 'identity' | 'deflate';
  /** what goes over the link: the original, or its deflated copy beside it */
  sendPath: string;
  sendSize: number;
}

/**
 * What to send for a queued file: its digest, and a deflated copy when that is smaller by enough (lossless for the
 * link only: the hub inflates and keeps the original byte for byte). Measured per file: compressed pixel data does
 * not shrink and is sent as it is.
 */
export async function prepareTransport(path: string, size: number): Promise<Prepared> {
  const hash = createHash('sha256');
  const zPath = `${path}.z`;
  await pipeline(
    createReadStream(path),
    new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    }),
    createDeflate({ level: 6, strategy: constants.Z_DEFAULT_STRATEGY }),
    createWriteStream(zPath, { mode: 0o600 }),
  );
  const sha256 = hash.digest('hex');
  const zSize = (await stat(zPath)).size;
  if (zSize < size * WORTH_IT) {
    await fsyncPath(zPath);
    return { sha256, encoding: 'deflate', sendPath: zPath, sendSize: zSize };
  }
  await rm(zPath, { force: true });
  return { sha256, encoding: 'identity', sendPath: path, sendSize: size };
}
