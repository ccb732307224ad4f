import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Flushes a file (or a directory's entries) to the disk. */
export async function fsyncPath(path: string, flags = 'r'): Promise<void> {
  const fh = await open(path, flags);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Replaces `path` with `data` so that a crash at any moment leaves either the old or the new content, whole:
 * written to a temporary name, flushed, renamed over, and the directory flushed.
 */
export async function writeAtomic(path: string, data: string | Buffer): Promise<void> {
  const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const fh = await open(temp, 'w', 0o600);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(temp, path);
  await fsyncPath(dirname(path));
}
