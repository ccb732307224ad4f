import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentActor, Roles } from '#src/common/decorators.js';
import { ApiView } from '#src/common/openapi/api-view.decorator.js';
import { AppError } from '#src/common/errors.js';
import type { Actor } from '#src/common/request-context.js';
import { StudyFilingService } from './study-filing.service.js';

@ApiTags('studies')
@ApiBearerAuth()
@Controller('studies')
export class StudiesController {
  constructor(private readonly filings: StudyFilingService) {}

  /** Whose the study is on file: its patient record and referral, beside the identity its file carries. */
  @Get(':studyUid/filing')
  @ApiView('StudyFiling')
  @Roles('community_doctor', 'specialist', 'coordinator')
  filing(@CurrentActor() actor: Actor, @Param('studyUid') studyUid: string) {
    if (!/^[0-9.]{1,64}$/.test(studyUid))
      throw new AppError('BAD_REQUEST', 'The study UID is not a DICOM UID.', { reason: 'INVALID_UID' });
    return this.filings.filing(actor, studyUid);
  }
}
