import { api } from './test-app.js';

// The refresh token travels in the HttpOnly `zhiyin_refresh` cookie; these helpers do what a browser
// does with it (and the app's cross-site defence header).

/** The refresh token a sign-in or refresh answer set in its cookie (null: no cookie set). */
export function refreshTokenOf(res: { headers: Headers }): string | null {
  for (const c of res.headers.getSetCookie()) {
    const m = /^zhiyin_refresh=([^;]*)/.exec(c);
    if (m) return m[1] || null;
  }
  return null;
}

/** The `Set-Cookie` line of the refresh cookie, for its attributes. */
export function refreshCookieLine(res: { headers: Headers }): string | undefined {
  return res.headers.getSetCookie().find((c) => c.startsWith('zhiyin_refresh='));
}

export const CSRF = { 'x-zhiyin-csrf': '1' };

export function refreshWith(t: { url: string }, token: string | null, headers: Record<string, string> = CSRF) {
  return api(t, 'POST', '/api/auth/refresh', { headers: { cookie: `zhiyin_refresh=${token ?? ''}`, ...headers } });
}

export function logoutWith(t: { url: string }, token: string | null, headers: Record<string, string> = CSRF) {
  return api(t, 'POST', '/api/auth/logout', { headers: { cookie: `zhiyin_refresh=${token ?? ''}`, ...headers } });
}
