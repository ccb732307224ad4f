import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Logger } from 'pino';
import { createClient } from 'redis';
import type { Server, ServerOptions } from 'socket.io';

// With REDIS_URL, rooms are shared by every API node through Redis Streams, which also keeps the
// missed packets that connection state recovery replays after a client reconnects elsewhere.
export class ZhiyinIoAdapter extends IoAdapter {
  private redis: ReturnType<typeof createClient> | undefined;

  constructor(
    app: INestApplicationContext,
    private readonly redisUrl: string | undefined,
    private readonly streamName: string,
    private readonly log: Logger,
  ) {
    super(app);
  }

  async connect(): Promise<void> {
    if (!this.redisUrl) return;
    this.redis = createClient({ url: this.redisUrl });
    this.redis.on('error', (err: Error) => this.log.error({ errType: err.name }, 'redis error'));
    await this.redis.connect();
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const server = super.createIOServer(port, options);
    if (this.redis) server.adapter(createAdapter(this.redis, { streamName: this.streamName, maxLen: 100_000 }));
    return server;
  }

  override async close(server: Server): Promise<void> {
    await super.close(server);
    await this.redis?.quit().catch(() => undefined);
    this.redis = undefined;
  }
}
