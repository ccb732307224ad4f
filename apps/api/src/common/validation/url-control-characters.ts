import { requestContext } from '#src/common/request-context.js';
import { hasForbiddenControlCharacter } from './control-characters.js';

interface Req {
  url?: string;
}
interface Res {
  statusCode: number;
  setHeader(name: string, value: string): void;
  end(body: string): void;
}

/**
 * Express middleware: refuses a URL whose path or query parameters carry a control character
 * (a percent-encoded NUL and the like) before any handler reads it, including the handlers that
 * read the query themselves (DICOMweb). The 400 names the parameters, like a DTO refusal.
 */
export function refuseControlCharactersInUrl(req: Req, res: Res, next: () => void): void {
  const url = req.url ?? '';
  if (!/%(?:[01][0-9a-f]|7f)/i.test(url)) return next();
  const q = url.indexOf('?');
  const fields: string[] = [];
  if (hasForbiddenControlCharacter(safeDecode(q < 0 ? url : url.slice(0, q)))) fields.push('path');
  if (q >= 0) {
    for (const [key, value] of new URLSearchParams(url.slice(q + 1))) {
      if (hasForbiddenControlCharacter(key) || hasForbiddenControlCharacter(value)) {
        const name = hasForbiddenControlCharacter(key) ? 'query' : key;
        if (!fields.includes(name)) fields.push(name);
      }
    }
  }
  if (fields.length === 0) return next();
  res.statusCode = 400;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(
    JSON.stringify({
      error: {
        code: 'VALIDATION_FAILED',
        message: 'Some fields are not valid.',
        details: { fields: fields.map((f) => `${f} must not contain control characters`) },
        requestId: requestContext.get()?.requestId,
      },
    }),
  );
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
