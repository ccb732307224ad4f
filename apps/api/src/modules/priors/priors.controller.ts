import { Controller, Get, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentActor, Roles } from '#src/common/decorators.js';
import { ApiView } from '#src/common/openapi/api-view.decorator.js';
import type { Actor } from '#src/common/request-context.js';
import { PriorsService } from './priors.service.js';

const uuid = new ParseUUIDPipe({ errorHttpStatusCode: 404 });

@ApiTags('referrals')
@ApiBearerAuth()
@Controller('referrals/:id/priors')
export class PriorsController {
  constructor(private readonly priors: PriorsService) {}

  /** The referral patient's other studies in the network, newest first (not this referral's own). */
  @Get()
  @Roles('community_doctor', 'specialist', 'coordinator')
  @ApiView('PriorStudyView', { array: true })
  list(@CurrentActor() actor: Actor, @Param('id', uuid) id: string) {
    return this.priors.list(actor, id);
  }
}

@ApiTags('studies')
@ApiBearerAuth()
@Controller('studies/:studyUid/priors')
export class StudyPriorsController {
  constructor(private readonly priors: PriorsService) {}

  /** The other studies of the study's patient that the caller may read, newest first (the ECG viewer's prior). */
  @Get()
  @Roles('community_doctor', 'specialist', 'coordinator')
  @ApiView('PriorStudyView', { array: true })
  list(@CurrentActor() actor: Actor, @Param('studyUid') studyUid: string) {
    return this.priors.ofStudy(actor, studyUid);
  }
}
