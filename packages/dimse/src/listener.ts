import dimse from 'dcmjs-dimse';
import { createServer, type Server, type Socket } from 'node:net';
import type { Implementation } from './part10.js';
import type { ZhiyinScpBase } from './scp-base.js';

/** The timeouts of every SCP association: to associate, between PDUs, and of an idle connection. */
export const SCP_TIMEOUTS = { associationTimeout: 30_000, pduTimeout: 120_000, connectTimeout: 300_000 } as const;

/**
 * Sets what dcmjs-dimse says of itself on every association of this process, and silences its log (it logs
 * association details and data set contents; Zhiyin logs its own lines, without patient data).
 *
 * @param implementation - the implementation class UID and version name sent in A-ASSOCIATE-AC/RQ
 * @param maxPduLength - the largest PDU this side receives
 */
export function configureDimse(implementation: Implementation, maxPduLength: number): void {
  dimse.log.setLevel('silent');
  dimse.Implementation.setImplementationClassUid(implementation.classUid);
  dimse.Implementation.setImplementationVersion(implementation.versionName);
  dimse.Implementation.setMaxPduLength(maxPduLength);
}

/** A listening DICOM server. */
export interface DimseServer {
  server: Server;
  /** the port it listens on (the one chosen for port 0 in tests) */
  port: number;
  /** stops listening and drops every connection */
  close(): Promise<void>;
}

/**
 * Listens for DICOM associations on host:port, one SCP a connection. dcmjs-dimse's own Server is not used: it
 * listens on every address and cannot bound connections.
 *
 * @param o - where to listen, how many connections at once (more wait in the kernel's backlog), and the SCP of a
 *   new connection
 */
export async function startDimseServer(o: {
  host: string;
  port: number;
  maxConnections: number;
  scpFor: (socket: Socket) => ZhiyinScpBase;
}): Promise<DimseServer> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    const scp = o.scpFor(socket);
    (scp as unknown as { connected: boolean }).connected = true;
    scp.on('networkError', () => socket.destroy());
    socket.on('close', () => {
      sockets.delete(socket);
      void scp.closed();
    });
  });
  server.maxConnections = o.maxConnections;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const a = server.address();
  return {
    server,
    port: a && typeof a === 'object' ? a.port : o.port,
    close: () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      return closed;
    },
  };
}
