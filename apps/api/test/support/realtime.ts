import type { ClientToServerEvents, ServerToClientEvents } from '@zhiyin/contracts';
import { io, type Socket } from 'socket.io-client';

export type ZClient = Socket<ServerToClientEvents, ClientToServerEvents>;

const EVENTS = [
  'referral.changed',
  'worklist.changed',
  'offer.made',
  'offer.withdrawn',
  'message.posted',
  'turnaround.warning',
  'reading_centre.changed',
  'critical.raised',
  'critical.escalated',
  'critical.settled',
] as const;

/** A socket.io client that records every event, de-duplicated by id the way the web app does. */
export class Listener {
  readonly socket: ZClient;
  /** every delivery, duplicates included */
  readonly raw: { event: string; id: string; payload: any }[] = [];
  readonly byId = new Map<string, { event: string; payload: any }>();

  /** with `apiUrl`, a reconnection that could not be recovered catches up with GET /api/events?after= */
  constructor(url: string, token: string, apiUrl?: string) {
    this.socket = io(url, {
      path: '/socket.io',
      auth: { token },
      transports: ['websocket'],
      reconnection: true,
      reconnectionDelay: 100,
      reconnectionDelayMax: 300,
    });
    for (const event of EVENTS) this.socket.on(event, (payload: any) => this.take(event, payload));
    this.socket.on('connect', () => {
      if (this.socket.recovered || !apiUrl || this.byId.size === 0) return;
      this.catchingUp = this.catchUp(apiUrl, token);
    });
  }

  catchingUp: Promise<void> | undefined;
  recoveries = 0;
  catchUps = 0;

  private take(event: string, payload: any): void {
    this.raw.push({ event, id: payload.id, payload });
    if (!this.byId.has(payload.id)) this.byId.set(payload.id, { event, payload });
  }

  private async catchUp(apiUrl: string, token: string): Promise<void> {
    this.catchUps++;
    const res = await fetch(`${apiUrl}/api/events?after=${this.lastId()}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = (await res.json()) as { items: { event: string; payload: any }[] };
    for (const item of body.items) this.take(item.event, item.payload);
  }

  connected(): Promise<void> {
    if (this.socket.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.socket.once('connect', () => resolve());
      this.socket.once('connect_error', reject);
    });
  }

  events(event?: string, referralId?: string) {
    return [...this.byId.values()].filter(
      (e) => (!event || e.event === event) && (!referralId || e.payload.referralId === referralId),
    );
  }

  lastId(): string {
    return [...this.byId.keys()].reduce((a, b) => (BigInt(b) > BigInt(a) ? b : a), '0');
  }

  /** Waits until a matching event arrived (bounded). */
  async waitFor(
    pred: (e: { event: string; payload: any }) => boolean,
    ms = 10_000,
  ): Promise<{ event: string; payload: any }> {
    const start = Date.now();
    for (;;) {
      const hit = [...this.byId.values()].find(pred);
      if (hit) return hit;
      if (Date.now() - start > ms)
        throw new Error(
          `event not received in ${ms} ms; got: ${[...this.byId.values()].map((e) => `${e.event}:${e.payload.event ?? ''}`).join(', ')}`,
        );
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  close(): void {
    this.socket.disconnect();
  }
}
