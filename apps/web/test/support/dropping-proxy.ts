import { createServer, connect, type Server, type Socket } from 'node:net';

export interface PatchSeen {
  path: string;
  offset: number;
  contentLength: number;
}

/**
 * A TCP proxy in front of the app that can cut one connection in the middle of a tus PATCH body,
 * as a weak link does: the server receives the first `afterBytes` bytes of the body, then the
 * connection is gone. It also notes every PATCH it forwards (Upload-Offset, Content-Length).
 */
export async function startDroppingProxy(target: string): Promise<{
  url: string;
  patches: PatchSeen[];
  dropNextPatchAfter(bytes: number): void;
  dropped(): boolean;
  close(): Promise<void>;
}> {
  const { hostname, port } = new URL(target);
  const patches: PatchSeen[] = [];
  let armed: number | null = null;
  let didDrop = false;
  const sockets = new Set<Socket>();

  const server: Server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    sockets.add(client);
    sockets.add(upstream);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', () => sockets.delete(client));
    upstream.on('close', () => sockets.delete(upstream));
    client.on('error', close);
    upstream.on('error', close);
    // Every answer says `Connection: close`, so each request travels on a new connection. On a
    // reused keep-alive connection Chromium would silently resend a request whose connection
    // dropped before any answer (the whole body again); what is tested here is the app's own resume.
    upstream.on('data', (d: Buffer) => {
      const text = d.toString('latin1');
      const headEnd = text.indexOf('\r\n\r\n');
      if (text.startsWith('HTTP/1.') && headEnd > 0) {
        const head = text
          .slice(0, headEnd)
          .split('\r\n')
          .filter((l) => !/^connection:|^keep-alive:/i.test(l));
        head.splice(1, 0, 'Connection: close');
        client.write(Buffer.concat([Buffer.from(head.join('\r\n'), 'latin1'), d.subarray(headEnd)]));
      } else client.write(d);
    });
    upstream.on('end', () => client.end());

    // Request heads are parsed only to note PATCHes and to find where a body starts.
    let head = '';
    let bodyLeft = 0;
    let cutAt: number | null = null;
    let cut = false;
    client.on('data', (chunk: Buffer) => {
      if (cut) return;
      let rest = chunk;
      while (rest.length > 0) {
        if (bodyLeft > 0) {
          const take = Math.min(bodyLeft, rest.length);
          if (cutAt !== null && take >= cutAt) {
            upstream.write(rest.subarray(0, cutAt), () => setTimeout(close, 100));
            cut = true;
            didDrop = true;
            return;
          }
          upstream.write(rest.subarray(0, take));
          if (cutAt !== null) cutAt -= take;
          bodyLeft -= take;
          rest = rest.subarray(take);
          continue;
        }
        head += rest.toString('latin1');
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) {
          upstream.write(rest);
          return;
        }
        // Forward the head, then treat what follows as body.
        const headBytes = Buffer.byteLength(head.slice(0, end + 4), 'latin1');
        const alreadyForwarded = Buffer.byteLength(head, 'latin1') - rest.length;
        const fromRest = headBytes - alreadyForwarded;
        upstream.write(rest.subarray(0, fromRest));
        const lines = head.slice(0, end).split('\r\n');
        const [method, path] = lines[0]!.split(' ');
        const header = (name: string) =>
          lines
            .find((l) => l.toLowerCase().startsWith(`${name}:`))
            ?.slice(name.length + 1)
            .trim();
        bodyLeft = Number(header('content-length') ?? 0);
        if (method === 'PATCH' && path?.startsWith('/api/uploads/')) {
          patches.push({ path, offset: Number(header('upload-offset')), contentLength: bodyLeft });
          if (armed !== null) {
            cutAt = armed;
            armed = null;
          }
        } else cutAt = null;
        head = '';
        rest = rest.subarray(fromRest);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    patches,
    dropNextPatchAfter(bytes) {
      armed = bytes;
    },
    dropped: () => didDrop,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
