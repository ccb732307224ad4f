import type { Request, Response } from 'express';
import { AppError } from '#src/common/errors.js';

// The refresh token travels only in a cookie the page's scripts cannot read (HttpOnly), that the
// browser sends only to the sign-in endpoints (Path), never on a request started by another site
// (SameSite=Strict), and only over TLS when the app is served over TLS (Secure). An XSS can then use
// the session while the page is open but cannot carry the refresh token away (OWASP ASVS V3.4).

export const REFRESH_COOKIE = 'zhiyin_refresh';
/** The refresh and sign-out endpoints, the only ones that read the cookie. */
export const REFRESH_COOKIE_PATH = '/api/auth';
/**
 * The header a cookie-authenticated call to the sign-in endpoints must carry. A cross-site form cannot
 * set it, and a cross-origin script would need a CORS preflight that the API never grants: with
 * SameSite=Strict, a second defence against cross-site request forgery (OWASP CSRF cheat sheet,
 * "custom request headers").
 */
export const CSRF_HEADER = 'x-zhiyin-csrf';

/** Sets the refresh cookie, valid as long as the refresh token. */
export function setRefreshCookie(req: Request, res: Response, token: string, maxAgeSeconds: number): void {
  res.cookie(REFRESH_COOKIE, token, {
    httpOnly: true,
    sameSite: 'strict',
    // req.secure: TLS to this process, or X-Forwarded-Proto: https from a proxy trusted by TRUST_PROXY.
    secure: req.secure,
    path: REFRESH_COOKIE_PATH,
    maxAge: Math.max(0, maxAgeSeconds) * 1000,
  });
}

export function clearRefreshCookie(req: Request, res: Response): void {
  res.clearCookie(REFRESH_COOKIE, {
    httpOnly: true,
    sameSite: 'strict',
    secure: req.secure,
    path: REFRESH_COOKIE_PATH,
  });
}

/** The refresh token from the request's cookie, after the cross-site checks; null when there is none. */
export function readRefreshCookie(req: Request): string | null {
  assertNotCrossSite(req);
  const header = req.headers.cookie ?? '';
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== REFRESH_COOKIE) continue;
    const value = part.slice(eq + 1).trim();
    // Tokens are base64url; anything else is not one of ours.
    return /^[A-Za-z0-9_-]{16,256}$/.test(value) ? value : null;
  }
  return null;
}

function assertNotCrossSite(req: Request): void {
  // Fetch metadata (sent by every current browser): only the app's own pages may call.
  const site = req.headers['sec-fetch-site'];
  const crossSite = typeof site === 'string' && site !== 'same-origin' && site !== 'none';
  if (crossSite || req.headers[CSRF_HEADER] !== '1') {
    throw new AppError(
      'CROSS_SITE_REQUEST',
      `This request must come from the Zhiyin app itself (same origin, with the ${CSRF_HEADER} header).`,
    );
  }
}

/**
 * The answer of every endpoint that starts or renews a sign-in (password, second factor, patient code,
 * refresh): the refresh token goes into the HttpOnly cookie only, the body keeps the rest.
 */
export function answerWithSession<T extends { refreshToken?: string | null; refreshExpiresIn?: number }>(
  req: Request,
  res: Response,
  answer: T,
  defaultTtlSeconds: number,
): Omit<T, 'refreshToken' | 'refreshExpiresIn'> {
  const { refreshToken, refreshExpiresIn, ...body } = answer;
  if (refreshToken) setRefreshCookie(req, res, refreshToken, refreshExpiresIn ?? defaultTtlSeconds);
  return body;
}
