/** How deep a JSON request body may nest objects and arrays; the API's own bodies need fewer than 6. */
export const JSON_MAX_DEPTH = 32;

/** A body-parser error: it becomes a 400 with its own code (see the global exception filter). */
export class JsonTooDeepError extends Error {
  readonly status = 400;
  readonly type = 'entity.too.deep';
  constructor(readonly maxDepth: number) {
    super(`The JSON body nests deeper than ${maxDepth} levels.`);
  }
}

/**
 * The greatest nesting depth of the JSON text in `body`, counted without parsing it (one pass over
 * the bytes, brackets inside strings ignored), stopping as soon as it exceeds `limit`. A body of
 * 5,000 nested arrays is refused here, before JSON.parse and the validators recurse through it.
 * @param body - the raw request body
 * @param limit - the depth at which to stop counting
 */
export function jsonDepthExceeds(body: Buffer, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/** The JSON body parser's `verify` hook: refuses bodies nested deeper than JSON_MAX_DEPTH. */
export function verifyJsonDepth(_req: unknown, _res: unknown, body: Buffer): void {
  if (jsonDepthExceeds(body, JSON_MAX_DEPTH)) throw new JsonTooDeepError(JSON_MAX_DEPTH);
}
