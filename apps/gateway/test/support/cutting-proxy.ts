import { createServer, connect, type Server, type Socket, type AddressInfo } from 'node:net';

/**
 * A TCP proxy between the gateway and the hub, standing for the centre's link: `cutAfter(n, times)` cuts the next
 * `times` connections after `n` bytes from the gateway (mid-file); `down()` refuses every connection until `up()`.
 */
export class CuttingProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private cutBytes = 0;
  private cutsLeft = 0;
  private readonly connections = new Set<{ sent: number }>();
  cuts = 0;
  port = 0;

  constructor(private readonly target: () => number) {}

  async start(): Promise<number> {
    this.server = createServer((client) => {
      this.sockets.add(client);
      const upstream = connect(this.target(), '127.0.0.1');
      this.sockets.add(upstream);
      const conn = { sent: 0 };
      this.connections.add(conn);
      const cut = () => {
        this.connections.delete(conn);
        client.destroy();
        upstream.destroy();
      };
      client.on('data', (d: Buffer) => {
        if (conn.sent === Infinity) return; // cut: nothing more goes through
        // armed: this connection (a kept-alive one too) is cut once it has carried cutBytes since arming
        if (this.cutsLeft > 0 && conn.sent + d.length > this.cutBytes) {
          this.cutsLeft--;
          this.cuts++;
          upstream.write(d.subarray(0, Math.max(0, this.cutBytes - conn.sent)), cut);
          conn.sent = Infinity;
          return;
        }
        conn.sent += d.length;
        upstream.write(d);
      });
      upstream.on('data', (d: Buffer) => client.write(d));
      client.on('error', cut);
      upstream.on('error', cut);
      client.on('close', () => {
        upstream.end();
        this.sockets.delete(client);
      });
      upstream.on('close', () => {
        client.end();
        this.sockets.delete(upstream);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.address() as AddressInfo).port;
    return this.port;
  }

  cutAfter(bytes: number, times: number): void {
    this.cutBytes = bytes;
    this.cutsLeft = times;
    for (const c of this.connections) c.sent = 0;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
