import { Inject, Injectable } from '@nestjs/common';
import {
  isStorageSopClass,
  MODALITY_WORKLIST_FIND,
  negotiatePresentationContexts,
  STUDY_ROOT_FIND,
  STUDY_ROOT_GET,
  STUDY_ROOT_MOVE,
  VERIFICATION,
  type Association,
} from '@zhiyin/dimse';
import dimse from 'dcmjs-dimse';
import type { AeKind } from '@zhiyin/contracts';
import { SERVICE_SPECIALTY } from '@zhiyin/workflow';
import { isIP } from 'node:net';
import { APP_CONFIG, type AppConfig } from '#src/config/app-config.js';
import type { Actor } from '#src/common/request-context.js';
import { requestContext } from '#src/common/request-context.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { DicomAeRepository, type KnownAe } from './dicom-ae.repository.js';

const { RejectReason, RejectResult, RejectSource } = dimse.constants;

/** The device's own actor: it acts with its centre's scope, as a member of that centre's staff would. */
export interface AeActor extends Actor {
  device: { aeTitle: string; kind: AeKind };
}

export type AssociationDecision =
  | { ok: true; ae: KnownAe; actor: AeActor }
  | { ok: false; result: number; source: number; reason: number; why: string };

// IPv4 peers reach a dual-stack socket as ::ffff:a.b.c.d.
const plainAddress = (a: string | undefined) => (a ?? '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');

// Association control (PS3.8 7.1, PS3.7 D.3.3): who may associate, and which presentation contexts
// are accepted, each with the transfer syntax in which the instance is kept as it was sent.
@Injectable()
export class AssociationControl {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly aes: DicomAeRepository,
    private readonly audit: AuditService,
  ) {}

  async decide(association: Association, remoteAddress: string | undefined): Promise<AssociationDecision> {
    const called = association.getCalledAeTitle().trim();
    const calling = association.getCallingAeTitle().trim();
    const reject = async (reason: number, why: string): Promise<AssociationDecision> => {
      await this.audited(remoteAddress, why);
      return { ok: false, result: RejectResult.Permanent, source: RejectSource.ServiceUser, reason, why };
    };
    if (called !== this.config.dicomAeTitle)
      return reject(RejectReason.CalledAeNotRecognized, 'called_ae_not_recognized');
    const ae = calling ? await this.aes.findCalling(calling) : undefined;
    if (!ae) return reject(RejectReason.CallingAeNotRecognized, 'calling_ae_not_recognized');
    // The optional address check: a registered AE title used from another address is an unknown caller.
    if (ae.host && isIP(ae.host) && plainAddress(ae.host) !== plainAddress(remoteAddress))
      return reject(RejectReason.CallingAeNotRecognized, 'calling_address_not_registered');
    this.negotiate(association, ae);
    return {
      ok: true,
      ae,
      actor: {
        id: ae.id,
        // A modality stores into its community centre as that centre's staff would (same checks, same scope);
        // a workstation reads as a specialist of its reading centre (its hub, its centre's service).
        role: ae.kind === 'modality' ? 'community_doctor' : 'specialist',
        facilityId: ae.facilityId,
        specialty:
          ae.kind === 'workstation' && ae.readingCentreService ? SERVICE_SPECIALTY[ae.readingCentreService] : null,
        readingCentreId: ae.readingCentreId,
        sessionId: null,
        device: { aeTitle: ae.aeTitle, kind: ae.kind },
      },
    };
  }

  // Each proposed context: the abstract syntaxes this kind of AE may use; storage in the transfer syntax in which
  // the instance is kept as it was sent.
  private negotiate(association: Association, ae: KnownAe): void {
    const modality = ae.kind === 'modality';
    const workstation = ae.kind === 'workstation';
    negotiatePresentationContexts(association, (abstract, pc) => {
      if (
        abstract === VERIFICATION ||
        (modality && abstract === MODALITY_WORKLIST_FIND) ||
        (workstation && [STUDY_ROOT_FIND, STUDY_ROOT_MOVE, STUDY_ROOT_GET].includes(abstract))
      )
        return 'uncompressed';
      // A workstation's storage contexts carry the C-STOREs of a C-GET to it (PS3.4 C.4.3): it proposes them with
      // the SCP role (PS3.7 D.3.3.4), which is accepted as proposed; it never stores into the hub.
      const getStorage = workstation && isStorageSopClass(abstract) && pc.getProviderRole() === true;
      return (modality && isStorageSopClass(abstract)) || getStorage ? 'stored' : 'reject';
    });
  }

  private async audited(remoteAddress: string | undefined, why: string): Promise<void> {
    await requestContext.run(
      { requestId: crypto.randomUUID(), clientIp: plainAddress(remoteAddress) || null, actor: null },
      () =>
        this.audit.record({
          action: 'dicom.associate',
          resourceType: 'dicom_ae',
          outcome: 'denied',
          details: { reason: why },
        }),
    );
  }
}
