import { Inject, type OnModuleDestroy } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  type OnGatewayInit,
} from '@nestjs/websockets';
import type { ClientToServerEvents, ServerToClientEvents } from '@zhiyin/contracts';
import type { Logger } from 'pino';
import type { Server, Socket } from 'socket.io';
import { LOGGER } from '#src/common/logging/logger.js';
import type { Actor } from '#src/common/request-context.js';
import { SessionRevocations } from '#src/modules/auth/session-revocations.service.js';
import { TokenService } from '#src/modules/auth/token.service.js';
import { NODE_ID } from './node-id.js';
import { OutboxService } from './outbox.service.js';
import { PresenceRepository } from './presence.repository.js';
import { READER_ONLINE, REFERRAL_WATCH_GUARD, type ReaderOnline, type ReferralWatchGuard } from './ports.js';
import { restoreOnlyToSameUser } from './recovery-guard.js';
import { rooms, serviceOfSpecialty, staticRooms } from './rooms.js';

// socket.data must stay plain data: with Redis, socket.io serialises it (msgpack) to keep a dropped
// connection's session for recovery on any node, and a live Timeout in it is a cyclic object that
// cannot be encoded. Anything else per socket lives in the gateway, keyed by the socket.
interface SocketData {
  actor: Actor;
  expiresAt: number;
}
type ZSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type ZServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

const HEARTBEAT_MS = 15_000;

// Real-time events over socket.io. The access token is checked in the handshake (and again when a
// connection is recovered) and the socket is closed when it expires unless the client presents a
// renewed one. Rooms are joined only within the caller's scope. The gateway only pushes: state
// changes go through the REST API.
@WebSocketGateway({
  path: '/socket.io',
  serveClient: false,
  connectionStateRecovery: { maxDisconnectionDuration: 2 * 60 * 1000, skipMiddlewares: false },
})
export class RealtimeGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect, OnModuleDestroy {
  @WebSocketServer() server: ZServer;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly expiryTimers = new WeakMap<ZSocket, NodeJS.Timeout>();

  constructor(
    private readonly tokens: TokenService,
    private readonly outbox: OutboxService,
    @Inject(READER_ONLINE) private readonly router: ReaderOnline,
    @Inject(REFERRAL_WATCH_GUARD) private readonly referrals: ReferralWatchGuard,
    private readonly presence: PresenceRepository,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly revocations: SessionRevocations,
  ) {}

  afterInit(server: ZServer): void {
    // A sign-in that ends (signed out, deactivated, password reset) loses its live connections too.
    this.revocations.onRevoked((ended) => {
      const set = new Set(ended);
      for (const socket of server.sockets.sockets.values()) {
        const sid = (socket.data as { actor?: { sessionId: string | null } }).actor?.sessionId;
        if (sid && set.has(sid)) socket.disconnect(true);
      }
    });
    // A dropped connection's session goes back only to the user it belonged to.
    restoreOnlyToSameUser(
      server.of('/'),
      (data) => {
        const actor = (data as Partial<SocketData> | undefined)?.actor;
        return actor ? `${actor.role}:${actor.id}` : null;
      },
      (auth) => {
        try {
          if (typeof auth.token !== 'string') return null;
          const { actor } = this.tokens.verifyAccessWithExpiry(auth.token);
          return `${actor.role}:${actor.id}`;
        } catch {
          return null;
        }
      },
    );
    server.use((socket, next) => {
      const token = (socket.handshake.auth as { token?: unknown })?.token;
      try {
        if (typeof token !== 'string') throw new Error('no token');
        const { actor, expiresAt } = this.tokens.verifyAccessWithExpiry(token);
        if (actor.role === 'admin') throw new Error('no events for this role');
        socket.data.actor = actor;
        socket.data.expiresAt = expiresAt;
        next();
      } catch {
        next(new Error('unauthorized'));
      }
    });
    this.outbox.attach(server);
    this.heartbeat = setInterval(() => {
      void this.presence.heartbeat(NODE_ID).catch(() => undefined);
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  async handleConnection(socket: ZSocket): Promise<void> {
    const actor = socket.data.actor;
    await socket.join(staticRooms(actor));
    this.armExpiry(socket);
    if (actor.role === 'specialist') {
      await this.presence
        .join(socket.id, actor.id, NODE_ID)
        .catch((err: unknown) => this.logger.warn({ errType: (err as Error)?.name }, 'presence not recorded'));
      const service = serviceOfSpecialty(actor.specialty);
      if (service) {
        this.server.to(rooms.coordinators()).emit('presence', { userId: actor.id, online: true });
        this.router.kick(service);
      }
    }
  }

  async handleDisconnect(socket: ZSocket): Promise<void> {
    clearTimeout(this.expiryTimers.get(socket));
    this.expiryTimers.delete(socket);
    const actor = socket.data.actor;
    if (actor?.role === 'specialist') {
      await this.presence.leave(socket.id).catch(() => undefined);
      this.server.to(rooms.coordinators()).emit('presence', { userId: actor.id, online: false });
    }
  }

  async onModuleDestroy(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    await this.presence.leaveNode(NODE_ID).catch(() => undefined);
  }

  /** A renewed access token for the same person keeps the connection open. */
  @SubscribeMessage('auth')
  renew(@ConnectedSocket() socket: ZSocket, @MessageBody() token: unknown) {
    try {
      if (typeof token !== 'string') throw new Error('no token');
      const { actor, expiresAt } = this.tokens.verifyAccessWithExpiry(token);
      if (actor.id !== socket.data.actor.id || actor.role !== socket.data.actor.role) throw new Error('another user');
      socket.data.expiresAt = expiresAt;
      this.armExpiry(socket);
      return { ok: true };
    } catch {
      return { ok: false, error: 'unauthorized' };
    }
  }

  @SubscribeMessage('referral.watch')
  async watch(@ConnectedSocket() socket: ZSocket, @MessageBody() referralId: unknown) {
    if (typeof referralId !== 'string' || !/^[0-9a-f-]{36}$/i.test(referralId))
      return { ok: false, error: 'not_found' };
    try {
      await this.referrals.readable(socket.data.actor, referralId);
    } catch {
      return { ok: false, error: 'not_found' };
    }
    await socket.join(rooms.referral(referralId));
    return { ok: true };
  }

  @SubscribeMessage('referral.unwatch')
  async unwatch(@ConnectedSocket() socket: ZSocket, @MessageBody() referralId: unknown) {
    if (typeof referralId === 'string') await socket.leave(rooms.referral(referralId));
    return { ok: true };
  }

  private armExpiry(socket: ZSocket): void {
    clearTimeout(this.expiryTimers.get(socket));
    const ms = Math.max(0, socket.data.expiresAt - Date.now());
    const timer = setTimeout(() => socket.disconnect(true), Math.min(ms, 2 ** 31 - 1));
    timer.unref();
    this.expiryTimers.set(socket, timer);
  }
}
