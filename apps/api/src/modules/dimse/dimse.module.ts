import { Module } from '@nestjs/common';
import { AssociationControl } from './association.js';
import { CStoreService } from './c-store.js';
import { DicomAeController } from './dicom-ae.controller.js';
import { DicomAeRepository } from './dicom-ae.repository.js';
import { DicomAeService } from './dicom-ae.service.js';
import { DimseListener } from './dimse-listener.service.js';
import { GatewayWorklistController } from './gateway-worklist.controller.js';
import { MwlFindService } from './mwl-find.js';
import { QrFindService } from './qr-find.js';
import { QrRetrieveService } from './qr-retrieve.js';
import { WorklistRepository } from './worklist.repository.js';

/** The register's HTTP routes (the authorization test walks them with the application's). */
export const DIMSE_CONTROLLERS = [DicomAeController, GatewayWorklistController];

// DICOM network services (DIMSE) at the hub: the register of calling AEs, association control, C-ECHO,
// C-STORE into the STOW-RS ingest, the modality worklist (C-FIND) fed by referrals, and study root query/retrieve
// (C-FIND, C-GET) for the hub's workstations.
// Uses the application's shared providers (ingest, audit, config).
@Module({
  controllers: DIMSE_CONTROLLERS,
  providers: [
    DicomAeRepository,
    DicomAeService,
    AssociationControl,
    CStoreService,
    WorklistRepository,
    MwlFindService,
    QrFindService,
    QrRetrieveService,
    DimseListener,
  ],
  exports: [DimseListener],
})
export class DimseModule {}
