import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Logger } from 'pino';
import { createClient } from 'redis';
import type { Namespace, Server, ServerOptions } from 'socket.io';

type RedisClient = ReturnType<typeof createClient>;
type Connection = { readonly isReady: boolean; destroy(): void };

// With REDIS_URL, rooms are shared by every API node through Redis Streams, which also keeps the
// missed packets that connection state recovery replays after a client reconnects elsewhere.
export class ZhiyinIoAdapter extends IoAdapter {
  private redis: RedisClient | undefined;
  /** The connections the streams adapter opens for itself (its stream reader and its subscriber). */
  private readonly adapterClients: Connection[] = [];
  private openAdapters = 0;

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
    const redis: RedisClient = createClient({ url: this.redisUrl });
    redis.on('error', (err: Error) => this.log.error({ errType: err.name }, 'redis error'));
    await redis.connect();
    // The streams adapter opens its own connections with duplicate(); they are kept to be ended in close().
    const duplicate = redis.duplicate.bind(redis);
    redis.duplicate = ((...args: Parameters<typeof duplicate>) => {
      const client = duplicate(...args);
      this.adapterClients.push(client);
      return client;
    }) as typeof redis.duplicate;
    this.redis = redis;
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const server = super.createIOServer(port, options);
    if (this.redis) {
      const perNamespace = createAdapter(this.redis, { streamName: this.streamName, maxLen: 100_000 });
      const tracked = (adapter: ReturnType<typeof perNamespace>) => {
        this.openAdapters++;
        const close = adapter.close.bind(adapter);
        adapter.close = () => {
          this.openAdapters--;
          return close();
        };
        return adapter;
      };
      // socket.io calls this with `new`, so it cannot be an arrow function.
      server.adapter(function (nsp: Namespace) {
        return tracked(perNamespace(nsp));
      });
    }
    return server;
  }

  override async close(server: Server): Promise<void> {
    await super.close(server);
    // Once every namespace's adapter is closed the adapter stops reading the stream, but only after the
    // blocking read in progress returns (up to 5 s later), holding a Redis connection open past
    // shutdown. Ending its connections now ends that read at once. Not before: a reader still told
    // to read would retry on a closed connection in a tight loop. A connection still being opened is
    // left to the adapter, which closes it after its first read.
    if (this.openAdapters === 0) {
      for (const client of this.adapterClients.splice(0)) if (client.isReady) client.destroy();
    }
    await this.redis?.quit().catch(() => undefined);
    this.redis = undefined;
  }
}
