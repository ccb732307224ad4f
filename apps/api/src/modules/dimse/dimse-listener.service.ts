import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import dimse from 'dcmjs-dimse';
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig } from '#src/config/app-config.js';
import { LOGGER } from '#src/common/logging/logger.js';
import { AssociationControl } from './association.js';
import { CStoreService } from './c-store.js';
import { MwlFindService } from './mwl-find.js';
import { QrFindService } from './qr-find.js';
import { QrRetrieveService } from './qr-retrieve.js';
import { IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION } from './sop-classes.js';
import { ZhiyinScp, type DimseServices } from './zhiyin-scp.js';

// Connections at once; more wait in the kernel's backlog rather than exhaust the node.
const MAX_CONNECTIONS = 64;
// Our largest PDU: large enough for throughput, small enough to bound what one peer holds in memory.
const MAX_PDU_LENGTH = 1024 * 1024;

// The DICOM listener (DIMSE) on DICOM_HOST:DICOM_PORT, started and stopped with the application.
// dcmjs-dimse's own Server is not used: it listens on every address and cannot bound connections.
@Injectable()
export class DimseListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly association: AssociationControl,
    private readonly store: CStoreService,
    private readonly worklist: MwlFindService,
    private readonly studyFind: QrFindService,
    private readonly retrieve: QrRetrieveService,
  ) {}

  /** The port it listens on (the configured one, or the one chosen for port 0 in tests); undefined when off. */
  get port(): number | undefined {
    const a = this.server?.address();
    return a && typeof a === 'object' ? a.port : undefined;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.dicomPort === 0) return;
    // The library logs association details and data set contents: silenced, Zhiyin logs its own lines.
    dimse.log.setLevel('silent');
    dimse.Implementation.setImplementationClassUid(IMPLEMENTATION_CLASS_UID);
    dimse.Implementation.setImplementationVersion(IMPLEMENTATION_VERSION);
    dimse.Implementation.setMaxPduLength(MAX_PDU_LENGTH);
    const services: DimseServices = {
      association: this.association,
      store: this.store,
      worklist: this.worklist,
      studyFind: this.studyFind,
      retrieve: this.retrieve,
      callingAeTitle: this.config.dicomAeTitle,
      log: (level, fields, message) => this.logger[level]({ component: 'dimse', ...fields }, message),
    };
    const server = createServer((socket) => this.accept(socket, services));
    server.maxConnections = MAX_CONNECTIONS;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.dicomPort, this.config.dicomHost, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.logger.error({ component: 'dimse', err: err.message }, 'DICOM listener error'));
    this.server = server;
    this.logger.info(
      { component: 'dimse', host: this.config.dicomHost, port: this.port, aeTitle: this.config.dicomAeTitle },
      'DICOM listener started',
    );
  }

  private accept(socket: Socket, services: DimseServices): void {
    this.sockets.add(socket);
    const scp = new ZhiyinScp(socket, { associationTimeout: 30_000, pduTimeout: 120_000, connectTimeout: 300_000 });
    scp.services = services;
    scp.readPdusWith(MAX_PDU_LENGTH);
    (scp as unknown as { connected: boolean }).connected = true;
    scp.on('networkError', () => socket.destroy());
    socket.on('close', () => {
      this.sockets.delete(socket);
      void scp.closed();
    });
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}
