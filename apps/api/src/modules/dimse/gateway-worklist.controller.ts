import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentActor, GatewayAccess, Roles } from '#src/common/decorators.js';
import { ApiView } from '#src/common/openapi/api-view.decorator.js';
import type { Actor } from '#src/common/request-context.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { DicomAeRepository } from './dicom-ae.repository.js';
import { WorklistRepository } from './worklist.repository.js';

// The centre's modality worklist for its gateway, which keeps a copy and answers the centre's modalities from it
// (also while the link to the hub is down): the same scheduled steps as the hub's MWL C-FIND, and the character set
// each of the centre's registered modalities is answered in (ISO_IR 192 or GB18030), as the hub answers them.
@ApiTags('dicom')
@ApiBearerAuth()
@Controller('gateway/worklist')
export class GatewayWorklistController {
  constructor(
    private readonly worklist: WorklistRepository,
    private readonly aes: DicomAeRepository,
    private readonly audit: AuditService,
  ) {}

  @Get()
  @Roles('community_doctor')
  @GatewayAccess('only')
  @ApiView('GatewayWorklistView')
  async list(@CurrentActor() actor: Actor) {
    const steps = await this.worklist.scheduled({ facilityId: actor.facilityId! });
    await this.audit.record({
      action: 'worklist.read',
      resourceType: 'worklist',
      resourceId: actor.facilityId,
      outcome: 'success',
      details: { steps: steps.length, referrals: steps.map((s) => s.referralId) },
    });
    return { items: steps, aes: await this.aes.characterSetsOf(actor.facilityId!) };
  }
}
