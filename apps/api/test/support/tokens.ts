import { createHmac } from 'node:crypto';
import { TEST_JWT_SECRET } from './test-app.js';

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** Hand-made JWTs for the refusal cases: expired, tampered, unsigned (`alg: none`), wrong key. */
export function craftToken(payload: Record<string, unknown>, opts: { alg?: string; secret?: string } = {}): string {
  const alg = opts.alg ?? 'HS256';
  const head = `${b64({ alg, typ: 'JWT' })}.${b64(payload)}`;
  if (alg === 'none') return `${head}.`;
  const sig = createHmac('sha256', opts.secret ?? TEST_JWT_SECRET)
    .update(head)
    .digest('base64url');
  return `${head}.${sig}`;
}

export function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
}

export function tamper(token: string, change: Record<string, unknown>): string {
  const [h, , s] = token.split('.');
  return `${h}.${b64({ ...claimsOf(token), ...change })}.${s}`;
}
