import { inspect } from 'node:util';

/**
 * A readable account of anything thrown, for the operator reading why the service did not start:
 * Errors with their stacks and causes, AggregateErrors with every error inside, and values that are not
 * Errors at all (libraries reject with strings, plain objects or nothing). Passwords in connection URLs
 * and the given secret values never appear in it.
 */
export function describeError(err: unknown, secrets: readonly (string | undefined)[] = []): string {
  return redact(describe(err, 0), secrets);
}

function describe(err: unknown, depth: number): string {
  if (depth > 5) return '(more causes left out)';
  if (err instanceof Error) {
    let text = err.stack && err.stack.includes(err.message) ? err.stack : `${err.name}: ${err.message}`;
    const code = (err as { code?: unknown }).code;
    if ((typeof code === 'string' || typeof code === 'number') && !text.includes(String(code)))
      text += ` [code ${code}]`;
    if (err instanceof AggregateError)
      for (const e of err.errors) text += `\n  - ${describe(e, depth + 1).replace(/\n/g, '\n    ')}`;
    if (err.cause !== undefined) text += `\nCaused by: ${describe(err.cause, depth + 1)}`;
    return text;
  }
  if (err === undefined) return 'an unnamed failure (a library rejected with no reason; see the lines logged above)';
  if (typeof err === 'string') return err;
  return inspect(err, { depth: 4, breakLength: Infinity });
}

function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@/]*@/gi, '$1***@');
  for (const s of secrets) if (s && s.length >= 6) out = out.split(s).join('***');
  return out;
}
