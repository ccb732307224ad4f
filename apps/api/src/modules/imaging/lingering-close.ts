import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

// How long a refused client may go on sending after its answer before the connection is cut.
const LINGER_MS = 10_000;

/**
 * Closes a connection in stages after an answer to a request whose body is refused halfway (RFC 9112
 * §9.6): the write side first (the answer, then FIN), while what the client still sends is read and
 * dropped, until it closes too or LINGER_MS pass. Closed at once, the client's own unread data makes
 * the server's TCP stack answer with a reset, and a client still sending gets "connection reset"
 * instead of the answer that says why (400, 413). Reading and dropping costs no memory.
 */
export function closeAfterAnswer(req: IncomingMessage): void {
  const socket = req.socket as Socket | null;
  if (!socket || socket.destroyed) return;
  // Node's HTTP server calls destroySoon() once an answer with `Connection: close` is written.
  (socket as Socket & { destroySoon(): void }).destroySoon = function (this: Socket) {
    const timer = setTimeout(() => this.destroy(), LINGER_MS);
    timer.unref();
    this.once('close', () => clearTimeout(timer));
    this.once('end', () => this.destroy());
    this.on('error', () => this.destroy());
    this.end();
    // The request stream takes what the client still sends; resumed, it drops it.
    req.resume();
    this.resume();
  };
}
