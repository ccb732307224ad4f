import type { Provider } from '@nestjs/common';
import { join } from 'node:path';
import { APP_CONFIG, type AppConfig } from '#src/config/app-config.js';
import { BlobStore } from './blob-store.js';
import { ImagingRepository } from './imaging.repository.js';
import { QidoService } from './qido.service.js';
import { BLOB_STORE, StowService } from './stow.service.js';
import { SweeperRepository } from './sweeper.repository.js';
import { SweeperService } from './sweeper.service.js';
import { UploadsService } from './uploads.service.js';
import { WadoService } from './wado.service.js';

export const IMAGING_PROVIDERS: Provider[] = [
  {
    provide: BLOB_STORE,
    inject: [APP_CONFIG],
    useFactory: (c: AppConfig) => new BlobStore(join(c.dataDir, 'studies')),
  },
  ImagingRepository,
  StowService,
  QidoService,
  WadoService,
  UploadsService,
  SweeperRepository,
  SweeperService,
];
