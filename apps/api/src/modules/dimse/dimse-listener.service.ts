import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { configureDimse, SCP_TIMEOUTS, startDimseServer, type DimseServer } from '@zhiyin/dimse';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig } from '#src/config/app-config.js';
import { LOGGER } from '#src/common/logging/logger.js';
import { AssociationControl } from './association.js';
import { CStoreService } from './c-store.js';
import { MwlFindService } from './mwl-find.js';
import { QrFindService } from './qr-find.js';
import { QrRetrieveService } from './qr-retrieve.js';
import { HUB_IMPLEMENTATION } from './implementation.js';
import { ZhiyinScp, type DimseServices } from './zhiyin-scp.js';

// Connections at once; more wait in the kernel's backlog rather than exhaust the node.
const MAX_CONNECTIONS = 64;
// Our largest PDU: large enough for throughput, small enough to bound what one peer holds in memory.
const MAX_PDU_LENGTH = 1024 * 1024;

// The DICOM listener (DIMSE) on DICOM_HOST:DICOM_PORT, started and stopped with the application.
@Injectable()
export class DimseListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private server: DimseServer | undefined;

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
    return this.server?.port;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.dicomPort === 0) return;
    configureDimse(HUB_IMPLEMENTATION, MAX_PDU_LENGTH);
    const services: DimseServices = {
      association: this.association,
      store: this.store,
      worklist: this.worklist,
      studyFind: this.studyFind,
      retrieve: this.retrieve,
      callingAeTitle: this.config.dicomAeTitle,
      log: (level, fields, message) => this.logger[level]({ component: 'dimse', ...fields }, message),
    };
    const server = await startDimseServer({
      host: this.config.dicomHost,
      port: this.config.dicomPort,
      maxConnections: MAX_CONNECTIONS,
      scpFor: (socket) => {
        const scp = new ZhiyinScp(socket, SCP_TIMEOUTS);
        scp.services = services;
        scp.readPdusWith(MAX_PDU_LENGTH);
        return scp;
      },
    });
    server.server.on('error', (err) =>
      this.logger.error({ component: 'dimse', err: err.message }, 'DICOM listener error'),
    );
    this.server = server;
    this.logger.info(
      { component: 'dimse', host: this.config.dicomHost, port: this.port, aeTitle: this.config.dicomAeTitle },
      'DICOM listener started',
    );
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await server.close();
  }
}
