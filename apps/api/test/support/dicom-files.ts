import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The shared sample data beside the repository (override with ZHIYIN_SHARED_DATA). */
export const SHARED_DATA =
  process.env.ZHIYIN_SHARED_DATA ?? fileURLToPath(new URL('../../../../../shared/data/', import.meta.url));

export function sample(path: string): Buffer {
  return readFileSync(join(SHARED_DATA, path));
}

export function walk(dir: string): string[] {
  const root = join(SHARED_DATA, dir);
  const out: string[] = [];
  const go = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) go(p);
      else out.push(relative(SHARED_DATA, p));
    }
  };
  go(root);
  return out;
}

export const CT_SLICE = 'synthetic-dataset/BJCY/BJCY100000/BJCY24030200000/CT_2_001.dcm';

/** A multipart/related body of DICOM parts, and its Content-Type. */
export function multipart(
  parts: (Buffer | { data: Buffer; type?: string })[],
  boundary = `b-${Math.random().toString(36).slice(2)}`,
) {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const { data, type } = Buffer.isBuffer(p) ? { data: p, type: 'application/dicom' } : p;
    chunks.push(
      Buffer.from(`--${boundary}\r\n${type ? `Content-Type: ${type}\r\n` : ''}\r\n`),
      data,
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    body: Buffer.concat(chunks),
    contentType: `multipart/related; type="application/dicom"; boundary=${boundary}`,
  };
}

export async function stow(
  url: string,
  token: string,
  parts: Parameters<typeof multipart>[0],
  path = '/dicomweb/studies',
) {
  const { body, contentType } = multipart(parts);
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': contentType, accept: 'application/dicom+json' },
    body,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

/** SOP Instance UIDs referenced (stored) and failed, with failure reasons and comments. */
export function stowOutcome(body: any) {
  const referenced = (body?.['00081199']?.Value ?? []).map((i: any) => i['00081155']?.Value?.[0]);
  const failed = (body?.['00081198']?.Value ?? []).map((i: any) => ({
    uid: i['00081155']?.Value?.[0],
    reason: i['00081197']?.Value?.[0],
    comment: i['00000902']?.Value?.[0] as string,
  }));
  return { referenced, failed };
}
