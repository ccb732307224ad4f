import type { Provider } from '@nestjs/common';
import { join } from 'node:path';
import { PublicUrl } from '#src/common/public-url.js';
import { APP_CONFIG, type AppConfig } from '#src/config/app-config.js';
import { SWEEPER_STATS, type SweeperStats } from '#src/modules/metrics/sweeper-stats.js';
import { BLOB_STORE, BlobStore } from './blob-store.js';
import { DicomwebReadService } from './dicomweb-read.service.js';
import { DicomwebAdapter } from './dicomweb.adapter.js';
import { ImagingRepository } from './imaging.repository.js';
import { FrameDecoder } from './pixels/frame-decoder.js';
import { QidoService } from './qido.service.js';
import { StowService } from './stow.service.js';
import { SweeperRepository } from './sweeper.repository.js';
import { SweeperService } from './sweeper.service.js';
import { UnflushedFiles } from './unflushed-files.service.js';
import { WadoService } from './wado.service.js';

export const IMAGING_PROVIDERS: Provider[] = [
  {
    provide: BLOB_STORE,
    inject: [APP_CONFIG],
    useFactory: (c: AppConfig) => new BlobStore(join(c.dataDir, 'studies')),
  },
  ImagingRepository,
  // Decodes compressed frames in worker threads (limits from FRAME_DECODE_* variables).
  { provide: FrameDecoder, inject: [APP_CONFIG], useFactory: (c: AppConfig) => new FrameDecoder(c.frameDecode) },
  PublicUrl,
  StowService,
  QidoService,
  WadoService,
  DicomwebReadService,
  DicomwebAdapter,
  SweeperRepository,
  UnflushedFiles,
  SweeperService,
  // The metrics read the last sweep this node ran (a sweep skipped because another node held the lock
  // is not a finding of this node's).
  {
    provide: SWEEPER_STATS,
    inject: [SweeperService],
    useFactory: (sweeper: SweeperService): SweeperStats => ({
      lastRun: () => {
        const r = sweeper.lastRun();
        if (!r?.ran) return null;
        return {
          at: new Date(r.finishedAt),
          filesRemoved: r.tempFiles + r.orphanFiles + r.uploadFiles,
          bytesRemoved: r.tempBytes + r.orphanBytes + r.uploadBytes,
        };
      },
    }),
  },
];
