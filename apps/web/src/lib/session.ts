import { connectivity } from './connectivity';

// The signed-in session: the access token lives in memory and in sessionStorage (a reload keeps the
// session, closing the tab ends it); the refresh token rotates on every use. One refresh at a time.

export type Role = 'community_doctor' | 'specialist' | 'coordinator' | 'admin' | 'patient';

export interface SessionUser {
  id: string;
  role: Role;
  facilityId: string | null;
  specialty: 'radiology' | 'cardiology' | null;
  readingCentreId: string | null;
  displayNameZh: string;
  displayNameEn: string;
}

export interface Session {
  accessToken: string;
  refreshToken: string | null;
  /** epoch ms when the access token expires */
  expiresAt: number;
  /** epoch ms when it was issued (as received) */
  issuedAt: number;
  user: SessionUser;
}

export interface TokenResponse {
  accessToken: string;
  expiresIn: number;
  refreshToken: string | null;
  user: SessionUser;
}

/** Why a session ended, so the sign-in page can say it. */
export type EndReason = 'signed_out' | 'expired';

const KEY = 'zhiyin.session';
// Renew this long before the access token expires (or at 80 % of a short lifetime).
const RENEW_MARGIN_MS = 60_000;

type Listener = (session: Session | null, reason?: EndReason) => void;

class SessionStore {
  private current: Session | null = null;
  private listeners = new Set<Listener>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private refreshing: Promise<Session | null> | undefined;

  constructor() {
    try {
      const raw = sessionStorage.getItem(KEY);
      if (raw) this.current = JSON.parse(raw) as Session;
    } catch {
      this.current = null;
    }
  }

  get(): Session | null {
    return this.current;
  }

  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Starts (or restarts) renewal; called once the app is running. */
  start(): void {
    this.schedule();
  }

  set(tokens: TokenResponse): Session {
    const session: Session = {
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      expiresAt: Date.now() + tokens.expiresIn * 1000,
      issuedAt: Date.now(),
      user: tokens.user,
    };
    this.current = session;
    sessionStorage.setItem(KEY, JSON.stringify(session));
    this.schedule();
    this.emit();
    return session;
  }

  clear(reason: EndReason = 'signed_out'): void {
    this.current = null;
    sessionStorage.removeItem(KEY);
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.emit(reason);
  }

  /**
   * Renews the access token with the refresh token. Concurrent callers share one request, since a
   * refresh token may be used once only (reusing it ends the whole sign-in).
   * Resolves null when the session is over; rejects on a network failure (the session is kept).
   */
  refresh(): Promise<Session | null> {
    if (this.refreshing) return this.refreshing;
    const session = this.current;
    if (!session?.refreshToken) {
      if (session && session.expiresAt <= Date.now()) this.clear('expired');
      return Promise.resolve(session && session.expiresAt > Date.now() ? session : null);
    }
    this.refreshing = (async () => {
      try {
        let res: Response;
        try {
          res = await fetch('/api/auth/refresh', {
            method: 'POST',
            headers: { 'content-type': 'application/json', accept: 'application/json' },
            body: JSON.stringify({ refreshToken: session.refreshToken }),
          });
        } catch (err) {
          connectivity.reportDown();
          throw err;
        }
        connectivity.reportUp();
        if (res.status === 200) return this.set((await res.json()) as TokenResponse);
        if (res.status === 401 || res.status === 400) {
          this.clear('expired');
          return null;
        }
        throw new Error(`refresh answered ${res.status}`);
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  /** A token good for at least a few more seconds, renewing first when needed. */
  async validToken(): Promise<string | null> {
    const s = this.current;
    if (!s) return null;
    if (s.expiresAt - Date.now() > 10_000) return s.accessToken;
    const renewed = await this.refresh();
    return renewed?.accessToken ?? null;
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const s = this.current;
    if (!s) return;
    const lifetime = s.expiresAt - Date.now();
    if (!s.refreshToken) {
      // Patients have no refresh token: their session simply ends.
      this.timer = setTimeout(() => this.clear('expired'), Math.max(0, lifetime));
      return;
    }
    // A minute early for the usual 15-minute token; at 80 % of a token that lives only minutes.
    const total = s.expiresAt - s.issuedAt;
    const wait = Math.max(0, total > 2 * RENEW_MARGIN_MS ? lifetime - RENEW_MARGIN_MS : lifetime - total * 0.2);
    this.timer = setTimeout(() => {
      this.refresh().catch(() => {
        // Server unreachable: try again shortly; the access token may still be valid.
        this.timer = setTimeout(() => this.schedule(), 5_000);
      });
    }, wait);
  }

  private emit(reason?: EndReason): void {
    for (const fn of this.listeners) fn(this.current, reason);
  }
}

export const session = new SessionStore();
