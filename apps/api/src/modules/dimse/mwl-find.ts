import { Injectable } from '@nestjs/common';
import { FIND_STATUS, forStation, parseWorklistKeys, worklistAnswer, writeIdentifier } from '@zhiyin/dimse';
import { requestContext } from '#src/common/request-context.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import type { AeActor } from './association.js';
import type { KnownAe } from './dicom-ae.repository.js';
import { WorklistRepository } from './worklist.repository.js';

export interface FindAnswer {
  status: number;
  comment?: string;
  /** the identifiers of the pending responses, encoded in the presentation context's transfer syntax */
  matches: Buffer[];
}

type Naturalized = Record<string, unknown>;

// Modality Worklist C-FIND SCP (PS3.4 K.6.1): every open referral of the AE's centre that still needs its
// acquisition is one scheduled procedure step; the referral number is the Accession Number.
@Injectable()
export class MwlFindService {
  constructor(
    private readonly worklist: WorklistRepository,
    private readonly audit: AuditService,
  ) {}

  async find(
    identifier: Naturalized,
    ae: KnownAe,
    actor: AeActor,
    explicitVr: boolean,
    clientIp: string | null,
  ): Promise<FindAnswer> {
    return requestContext.run({ requestId: crypto.randomUUID(), clientIp, actor }, async () => {
      const keys = parseWorklistKeys(identifier);
      if (keys === 'malformed') {
        await this.audit.record({
          action: 'worklist.query',
          resourceType: 'worklist',
          outcome: 'failed',
          details: { reason: 'MALFORMED_KEY', via: 'dimse' },
        });
        return { status: FIND_STATUS.IDENTIFIER_DOES_NOT_MATCH, comment: 'MALFORMED_KEY', matches: [] };
      }
      // Every step of the centre is scheduled for each of its stations: another station's title matches none.
      const steps = forStation(keys, ae.aeTitle)
        ? await this.worklist.scheduled({ ...keys, facilityId: ae.facilityId })
        : [];
      await this.audit.record(
        steps.length === 0
          ? {
              action: 'worklist.query',
              resourceType: 'worklist',
              outcome: 'success',
              details: { matches: 0, via: 'dimse' },
            }
          : steps.map((s) => ({
              action: 'worklist.query',
              resourceType: 'referral',
              resourceId: s.referralId,
              patientId: s.patientId,
              outcome: 'success' as const,
              details: { via: 'dimse' },
            })),
      );
      return {
        status: FIND_STATUS.SUCCESS,
        matches: steps.map((s) => writeIdentifier(worklistAnswer(s, identifier, ae), explicitVr, ae.characterSet)),
      };
    });
  }
}
