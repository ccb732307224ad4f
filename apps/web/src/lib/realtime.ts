import {
  OUTBOX_EVENTS,
  type ClientToServerEvents,
  type OutboxEventName,
  type Presence,
  type EventReplayView,
  type ServerToClientEvents,
} from '@zhiyin/contracts';
import { useEffect, useRef, useState } from 'react';
import { io, type Socket } from 'socket.io-client';
import { api } from './api';
import { session, type Session } from './session';

// One socket.io connection per signed-in tab, following the session: it opens at sign-in, presents
// each renewed access token, and closes at sign-out. Every outbox event carries an increasing id;
// the client delivers each id once, and after a reconnection the server could not recover it asks
// GET /api/events for what it missed. Events carry ids and states only: screens re-read details
// from the REST API (which checks scope and writes the audit trail).

type ZSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
export type EventPayload<E extends OutboxEventName> = Parameters<ServerToClientEvents[E]>[0];
type Handler = (event: OutboxEventName, payload: EventPayload<OutboxEventName>) => void;

/** Catch-up starts this far behind the newest event seen: an event committed late may carry a lower id. */
const CATCH_UP_MARGIN_MS = 15_000;
const SEEN_LIMIT = 5_000;
/** After a refused handshake that a renewed token did not fix, wait this long before trying again. */
const REFUSED_RETRY_MS = 30_000;

class Realtime {
  private socket: ZSocket | undefined;
  private token: string | undefined;
  private readonly handlers = new Set<Handler>();
  private readonly statusListeners = new Set<(connected: boolean) => void>();
  private readonly presenceListeners = new Set<(p: Presence) => void>();
  /** event id → when it arrived */
  private readonly seen = new Map<string, number>();
  private readonly watched = new Map<string, number>();
  private everConnected = false;
  private lastRenewal = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    session.subscribe((s) => this.follow(s));
  }

  /** Opens the connection for the current session (idempotent). */
  start(): void {
    this.follow(session.get());
  }

  isConnected(): boolean {
    return this.socket?.connected ?? false;
  }

  onStatus(fn: (connected: boolean) => void): () => void {
    this.statusListeners.add(fn);
    return () => this.statusListeners.delete(fn);
  }

  /** Specialists coming online or going offline (sent to coordinators; not replayed). */
  onPresence(fn: (p: Presence) => void): () => void {
    this.presenceListeners.add(fn);
    return () => this.presenceListeners.delete(fn);
  }

  on(fn: Handler): () => void {
    this.handlers.add(fn);
    return () => this.handlers.delete(fn);
  }

  /** Follows one referral's room (messages, every change); counted, so two screens may watch the same one. */
  watch(referralId: string): () => void {
    this.watched.set(referralId, (this.watched.get(referralId) ?? 0) + 1);
    if (this.socket?.connected) this.socket.emit('referral.watch', referralId, () => undefined);
    return () => {
      const n = (this.watched.get(referralId) ?? 1) - 1;
      if (n > 0) {
        this.watched.set(referralId, n);
        return;
      }
      this.watched.delete(referralId);
      if (this.socket?.connected) this.socket.emit('referral.unwatch', referralId, () => undefined);
    };
  }

  private follow(s: Session | null): void {
    if (!s) {
      this.close();
      return;
    }
    if (this.socket && this.token === s.accessToken) return;
    if (this.socket) {
      // A renewed token for the same person keeps the connection; the server closes it otherwise.
      this.token = s.accessToken;
      const socket = this.socket;
      socket.emit('auth', s.accessToken, (res) => {
        if (!res.ok) socket.disconnect().connect();
      });
      return;
    }
    this.open(s.accessToken);
  }

  private open(token: string): void {
    this.token = token;
    const socket: ZSocket = io({
      path: '/socket.io',
      auth: (cb) => cb({ token: session.get()?.accessToken ?? this.token }),
      transports: ['websocket'],
      reconnectionDelay: 500,
      reconnectionDelayMax: 5_000,
    });
    this.socket = socket;
    for (const name of OUTBOX_EVENTS) {
      socket.on(name, (payload: EventPayload<OutboxEventName>) => this.deliver(name, payload));
    }
    socket.on('presence', (p) => {
      for (const fn of this.presenceListeners) fn(p);
    });
    socket.on('connect', () => {
      for (const id of this.watched.keys()) socket.emit('referral.watch', id, () => undefined);
      // After any reconnect, recovered or not: socket.io's recovery can miss an event sent while the
      // resumed socket rejoins its rooms but is not yet counted as connected. Events already seen are
      // dropped by id, so asking costs one request.
      if (this.everConnected) void this.catchUp();
      this.everConnected = true;
      this.emitStatus(true);
    });
    socket.on('disconnect', (reason) => {
      this.emitStatus(false);
      // The server closed it (token expired): reconnect with the current token, if still signed in.
      if (reason === 'io server disconnect' && session.get()) socket.connect();
    });
    socket.on('connect_error', () => {
      this.emitStatus(false);
      // socket.io retries by itself while the server is unreachable; a refused handshake (inactive
      // socket) means the token was not accepted.
      if (!socket.active) this.afterRefusal(socket);
    });
  }

  /**
   * The server refused this token: renew the sign-in once (an ended one clears the session and the
   * app returns to the sign-in page) and try again with the new token. Refused again soon after, or
   * with no new token to offer (a patient, or a role without live events), it waits before retrying
   * rather than asking in a loop.
   */
  private afterRefusal(socket: ZSocket): void {
    if (this.retryTimer) return;
    const recently = Date.now() - this.lastRenewal < REFUSED_RETRY_MS;
    const retryLater = () => {
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        if (this.socket === socket && session.get()) socket.connect();
      }, REFUSED_RETRY_MS);
    };
    if (recently) return retryLater();
    this.lastRenewal = Date.now();
    const before = session.get()?.accessToken;
    session.refresh().then(
      (renewed) => {
        if (this.socket !== socket || !renewed) return;
        if (renewed.accessToken !== before) socket.connect();
        else retryLater();
      },
      () => retryLater(),
    );
  }

  private close(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.socket?.removeAllListeners();
    this.socket?.disconnect();
    this.socket = undefined;
    this.token = undefined;
    this.seen.clear();
    this.watched.clear();
    this.everConnected = false;
    this.emitStatus(false);
  }

  private deliver(name: OutboxEventName, payload: EventPayload<OutboxEventName>): void {
    if (this.seen.has(payload.id)) return;
    this.seen.set(payload.id, Date.now());
    if (this.seen.size > SEEN_LIMIT) {
      const oldest = this.seen.keys().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    for (const fn of this.handlers) {
      try {
        fn(name, payload);
      } catch (err) {
        // One screen's failing handler must not stop the others; the error still surfaces.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }

  /** The newest id seen long enough ago that nothing committed before it can still be on its way. */
  private catchUpFrom(): string {
    const before = Date.now() - CATCH_UP_MARGIN_MS;
    let best = 0n;
    let newest = 0n;
    for (const [id, at] of this.seen) {
      const n = BigInt(id);
      if (n > newest) newest = n;
      if (at <= before && n > best) best = n;
    }
    return String(best > 0n ? best : newest > 0n ? newest - 1n : 0n);
  }

  private async catchUp(): Promise<void> {
    let after = this.catchUpFrom();
    for (let page = 0; page < 20; page++) {
      const res = await api<EventReplayView>(`/api/events?after=${after}`).catch(() => null);
      if (!res) return;
      for (const item of res.items) this.deliver(item.event, item.payload as unknown as EventPayload<OutboxEventName>);
      if (!res.more || res.items.length === 0) return;
      after = res.items[res.items.length - 1]!.id;
    }
  }

  private emitStatus(connected: boolean): void {
    for (const fn of this.statusListeners) fn(connected);
  }
}

export const realtime = new Realtime();

/**
 * Calls `handler` for each of `events` while the component is mounted. The handler may change on
 * every render; the subscription does not.
 */
export function useRealtime<E extends OutboxEventName>(
  events: readonly E[],
  handler: (event: E, payload: EventPayload<E>) => void,
): void {
  const ref = useRef(handler);
  ref.current = handler;
  const key = events.join(',');
  useEffect(() => {
    realtime.start();
    const wanted = new Set<string>(key.split(','));
    return realtime.on((event, payload) => {
      if (wanted.has(event)) ref.current(event as E, payload);
    });
  }, [key]);
}

/** Joins a referral's room while mounted (its messages and every change to it). */
export function useWatchReferral(referralId: string | undefined): void {
  useEffect(() => {
    if (!referralId) return;
    realtime.start();
    return realtime.watch(referralId);
  }, [referralId]);
}

/** Calls `handler` when a specialist comes online or goes offline, while mounted (coordinators only). */
export function usePresence(handler: (p: Presence) => void): void {
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => {
    realtime.start();
    return realtime.onPresence((p) => ref.current(p));
  }, []);
}

/** Whether live updates are flowing (for a "live" / "reconnecting" indicator). */
export function useRealtimeConnected(): boolean {
  const [connected, setConnected] = useState(realtime.isConnected());
  useEffect(() => {
    realtime.start();
    setConnected(realtime.isConnected());
    return realtime.onStatus(setConnected);
  }, []);
  return connected;
}
