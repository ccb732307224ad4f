// A TCP proxy standing for a community centre's link to the hub, shared by the gateway's tests and the bench's
// gateway scenario: it adds a one-way delay (a 50 ms round trip is 25 ms each way), can pace the centre → hub
// direction to a rate, cuts connections mid-file on demand, and counts the bytes it carried each way.
import { connect, createServer } from 'node:net';

// Bytes a direction holds before it stops reading its source (TCP back-pressure reaches the sender).
const HIGH_WATER = 256 * 1024;

/**
 * @typedef {{ host?: string, port: number }} Target
 * @typedef {{ delayMs?: number, upBytesPerSecond?: number, host?: string }} LinkOptions
 */

export class LinkProxy {
  /** @param {() => number | Target} target @param {LinkOptions} [options] */
  constructor(target, options = {}) {
    this.target = target;
    this.delayMs = options.delayMs ?? 0;
    /** centre → hub pace in bytes per second; undefined: as fast as the sockets go */
    this.upBytesPerSecond = options.upBytesPerSecond;
    this.host = options.host ?? '127.0.0.1';
    /** @type {import('node:net').Server | undefined} */
    this.server = undefined;
    /** @type {Set<import('node:net').Socket>} */
    this.sockets = new Set();
    /** @type {Set<{ sent: number }>} */
    this.connections = new Set();
    this.cutBytes = 0;
    this.cutsLeft = 0;
    this.cuts = 0;
    /** bytes delivered to the hub (centre → hub) and to the centre (hub → centre) */
    this.bytesUp = 0;
    this.bytesDown = 0;
    /** connections accepted so far, and the bytes each carried towards the hub (by its number) */
    this.opened = 0;
    /** @type {Map<number, number>} */
    this.upByConnection = new Map();
    this.port = 0;
  }

  /** @param {number} [port] */
  async start(port = 0) {
    this.server = createServer((client) => this.accept(client));
    await new Promise((resolve) =>
      /** @type {import('node:net').Server} */ (this.server).listen(port, this.host, () => resolve(undefined)),
    );
    this.port = /** @type {import('node:net').AddressInfo} */ (this.server.address()).port;
    return this.port;
  }

  /** @param {import('node:net').Socket} client */
  accept(client) {
    const t = this.target();
    const { host, port } = typeof t === 'number' ? { host: '127.0.0.1', port: t } : { host: '127.0.0.1', ...t };
    const upstream = connect(port, host);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    this.sockets.add(client);
    this.sockets.add(upstream);
    const conn = { sent: 0 };
    this.connections.add(conn);
    const number = ++this.opened;
    this.upByConnection.set(number, 0);
    const carried = (/** @type {number} */ n) => {
      this.bytesUp += n;
      this.upByConnection.set(number, (this.upByConnection.get(number) ?? 0) + n);
    };
    const cut = () => {
      this.connections.delete(conn);
      client.destroy();
      upstream.destroy();
    };
    // centre → hub: delayed, paced, and cut once it has carried cutBytes since arming
    this.pipe(client, upstream, true, (chunk) => {
      if (conn.sent === Infinity) return undefined; // cut: nothing more goes through
      if (this.cutsLeft > 0 && conn.sent + chunk.length > this.cutBytes) {
        this.cutsLeft--;
        this.cuts++;
        const head = chunk.subarray(0, Math.max(0, this.cutBytes - conn.sent));
        conn.sent = Infinity;
        carried(head.length);
        upstream.write(head, cut);
        return undefined;
      }
      conn.sent += chunk.length;
      carried(chunk.length);
      return chunk;
    });
    this.pipe(upstream, client, false, (chunk) => {
      this.bytesDown += chunk.length;
      return chunk;
    });
    client.on('error', cut);
    upstream.on('error', cut);
    // a side that closes cleanly (e.g. the hub after answering `connection: close`) ends the other once what is
    // still on its way has been delivered (the pipe does that); one that failed takes the other down at once
    client.on('close', (hadError) => {
      this.sockets.delete(client);
      if (hadError) upstream.destroy();
    });
    upstream.on('close', (hadError) => {
      this.sockets.delete(upstream);
      this.connections.delete(conn);
      if (hadError) client.destroy();
    });
  }

  /**
   * One direction: each chunk leaves after the delay (and, upwards, after the chunks before it at the paced rate), in
   * order; `deliver` may drop it (a cut).
   * @param {import('node:net').Socket} from @param {import('node:net').Socket} to @param {boolean} up
   * @param {(chunk: Buffer) => Buffer | undefined} deliver
   */
  pipe(from, to, up, deliver) {
    /** @type {{ chunk: Buffer, at: number }[]} */
    const queue = [];
    let held = 0;
    let paceFree = 0;
    let ended = false;
    /** @type {NodeJS.Timeout | undefined} */
    let timer;
    // paced: about a quarter of a second of data, so that what the sender has written is mostly on the link
    // rather than held here (a killed sender's bytes then stop arriving about when they would on a real link)
    const highWater = () => {
      const rate = up ? this.upBytesPerSecond : undefined;
      return rate ? Math.max(4096, Math.min(HIGH_WATER, rate / 4)) : HIGH_WATER;
    };
    const flush = () => {
      timer = undefined;
      const now = performance.now();
      while (queue.length && queue[0].at <= now) {
        const { chunk } = /** @type {{ chunk: Buffer, at: number }} */ (queue.shift());
        held -= chunk.length;
        const out = deliver(chunk);
        if (out && !to.destroyed) to.write(out);
      }
      if (held < highWater() && from.isPaused()) from.resume();
      if (queue.length) timer = setTimeout(flush, Math.max(0, queue[0].at - now));
      else if (ended && !to.destroyed) to.end();
    };
    from.on('data', (/** @type {Buffer} */ data) => {
      const now = performance.now();
      const rate = up ? this.upBytesPerSecond : undefined;
      // paced: in pieces of a fiftieth of a second each, so that the bytes trickle as on a slow line
      const piece = rate ? Math.max(512, Math.floor(rate / 50)) : data.length;
      for (let start = 0; start < data.length; start += piece) {
        const chunk = data.subarray(start, start + piece);
        let at = now + this.delayMs;
        if (rate) {
          paceFree = Math.max(paceFree, now) + (chunk.length / rate) * 1000;
          at = paceFree + this.delayMs;
        }
        queue.push({ chunk, at });
      }
      held += data.length;
      if (held >= highWater()) from.pause();
      if (this.delayMs === 0 && !rate) flush();
      else timer ??= setTimeout(flush, Math.max(0, queue[0].at - now));
    });
    const finish = () => {
      if (ended) return;
      ended = true;
      if (!queue.length && !to.destroyed) to.end();
    };
    from.on('end', finish);
    // closed without an end (reset): what is queued still goes, then the other side ends
    from.on('close', finish);
  }

  /** Bytes carried towards the hub by the connections accepted after the first `opened` ones. */
  bytesUpAfter(/** @type {number} */ opened) {
    let n = 0;
    for (const [number, bytes] of this.upByConnection) if (number > opened) n += bytes;
    return n;
  }

  /** Cuts the next `times` connections (kept-alive ones too) once each has carried `bytes` more towards the hub. */
  cutAfter(/** @type {number} */ bytes, /** @type {number} */ times) {
    this.cutBytes = bytes;
    this.cutsLeft = times;
    for (const c of this.connections) if (c.sent !== Infinity) c.sent = 0;
  }

  async close() {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => (this.server ? this.server.close(() => resolve(undefined)) : resolve(undefined)));
  }
}
