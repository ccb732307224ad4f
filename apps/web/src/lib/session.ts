import type { SessionUserView, SessionView } from '@zhiyin/contracts';
import { connectivity } from './connectivity';
import { clearAllFormDrafts } from './formDraft';

// The signed-in session lives in this page's memory only: no token is ever written to sessionStorage
// or localStorage, where any script injected into the page could read it. The refresh token is an
// HttpOnly cookie that the page cannot read at all; on load the app asks /api/auth/refresh for an
// access token with it, which is also how a second tab of the same browser shares the sign-in.
//
// The cookie is shared by the browser's tabs and rotates on every renewal, so renewals are serialised
// across tabs with a Web Lock (in a tab, concurrent callers share one request). The server also
// accepts the just-rotated token for a few seconds, for browsers without Web Locks and for an answer
// lost on the way. Tabs tell each other about signing in and out over a BroadcastChannel.

/** The role of whoever signs in (staff or patient). */
export type Role = SessionUserView['role'];

export interface Session {
  accessToken: string;
  /** epoch ms when the access token expires */
  expiresAt: number;
  /** epoch ms when it was issued (as received) */
  issuedAt: number;
  user: SessionUserView;
}

/** Why a session ended, so the sign-in page can say it. */
export type EndReason = 'signed_out' | 'expired';

/** Sent with every call that the refresh cookie authenticates (the API's cross-site request defence). */
export const CSRF_HEADERS = { 'x-zhiyin-csrf': '1' };

const CHANNEL = 'zhiyin.session';
const LOCK = 'zhiyin.refresh';
// Renew this long before the access token expires (or at 80 % of a short lifetime).
const RENEW_MARGIN_MS = 60_000;

type Listener = (session: Session | null, reason?: EndReason) => void;
type Message = { type: 'signed-in'; userId: string } | { type: 'signed-out' };

class SessionStore {
  private current: Session | null = null;
  private listeners = new Set<Listener>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private refreshing: Promise<Session | null> | undefined;
  private restoring: Promise<void> | undefined;
  private ready = false;
  private readonly channel: BroadcastChannel | null =
    typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel(CHANNEL);

  constructor() {
    this.channel?.addEventListener('message', (e: MessageEvent<Message>) => this.onMessage(e.data));
  }

  get(): Session | null {
    return this.current;
  }

  /** Whether the first check for an existing sign-in (the refresh cookie) has finished. */
  isReady(): boolean {
    return this.ready;
  }

  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * Called once the app is running: picks up the browser's sign-in from the refresh cookie (after a
   * reload, or in a new tab). While the server cannot be reached it waits for it to come back.
   */
  start(): Promise<void> {
    this.restoring ??= (async () => {
      for (;;) {
        try {
          await this.refresh();
          break;
        } catch {
          await new Promise<void>((resolve) => {
            const off = connectivity.subscribe((up) => {
              if (up) {
                off();
                resolve();
              }
            });
            if (connectivity.isUp()) {
              off();
              setTimeout(resolve, 3_000);
            }
          });
        }
      }
      this.ready = true;
      this.emit();
    })();
    return this.restoring;
  }

  /** A sign-in in this tab (the server has set the refresh cookie); other tabs are told. */
  signedIn(tokens: SessionView): Session {
    const session = this.set(tokens);
    this.ready = true;
    this.channel?.postMessage({ type: 'signed-in', userId: session.user.id } satisfies Message);
    return session;
  }

  /** Signing out in this tab: every tab of the browser ends the session now. */
  signedOut(): void {
    this.clear('signed_out');
    this.channel?.postMessage({ type: 'signed-out' } satisfies Message);
  }

  clear(reason: EndReason = 'signed_out'): void {
    this.current = null;
    // Signing out leaves no unsent form text behind; an expired session keeps it for signing in again.
    if (reason === 'signed_out') clearAllFormDrafts();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.emit(reason);
  }

  /**
   * A new access token from the refresh cookie. Concurrent callers share one request, and the tabs
   * of the browser take turns (the cookie rotates on every use; reusing an old one ends the sign-in).
   * Resolves null when there is no sign-in (any more); rejects on a network failure (the session is kept).
   */
  refresh(): Promise<Session | null> {
    if (this.refreshing) return this.refreshing;
    const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
    const run = () => this.requestRefresh();
    this.refreshing = (async () => {
      try {
        return locks ? await locks.request(LOCK, run) : await run();
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

  private markSent: (() => void) | undefined;
  private readonly sent = new Promise<void>((resolve) => (this.markSent = resolve));

  /**
   * Resolves once this page's first renewal request is on its way (the tabs' lock granted). The page's first module
   * waits for it before it loads the app: asked for while the page's other modules are being requested, the lock took
   * Chromium up to a second to grant.
   */
  firstRefreshSent(): Promise<void> {
    return this.sent;
  }

  private async requestRefresh(): Promise<Session | null> {
    this.markSent?.();
    let res: Response;
    try {
      res = await fetch('/api/auth/refresh', {
        method: 'POST',
        headers: { accept: 'application/json', ...CSRF_HEADERS },
        credentials: 'same-origin',
      });
    } catch (err) {
      connectivity.reportDown();
      throw err;
    }
    connectivity.reportUp();
    if (res.status === 200) {
      const tokens = (await res.json()) as SessionView;
      // Someone else signed in in another tab of this browser: this page belongs to them now.
      if (this.current && this.current.user.id !== tokens.user.id) {
        window.location.assign('/');
        return null;
      }
      return this.set(tokens);
    }
    if (res.status === 401 || res.status === 400 || res.status === 403) {
      if (this.current) this.clear('expired');
      return null;
    }
    throw new Error(`refresh answered ${res.status}`);
  }

  private set(tokens: SessionView): Session {
    const session: Session = {
      accessToken: tokens.accessToken,
      expiresAt: Date.now() + tokens.expiresIn * 1000,
      issuedAt: Date.now(),
      user: tokens.user,
    };
    this.current = session;
    this.schedule();
    this.emit();
    return session;
  }

  private onMessage(msg: Message): void {
    if (msg.type === 'signed-out') {
      if (this.current) this.clear('signed_out');
    } else if (!this.current) {
      // Signed in in another tab: join that sign-in.
      this.refresh().catch(() => undefined);
    } else if (this.current.user.id !== msg.userId) {
      window.location.assign('/');
    }
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const s = this.current;
    if (!s) return;
    const lifetime = s.expiresAt - Date.now();
    if (s.user.role === 'patient') {
      // A patient's session has a fixed end: its access token lasts until then, and it simply ends.
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
