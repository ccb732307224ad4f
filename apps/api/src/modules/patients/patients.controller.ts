import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentActor, Roles } from '#src/common/decorators.js';
import { ApiView } from '#src/common/openapi/api-view.decorator.js';
import type { Actor } from '#src/common/request-context.js';
import { CreatePatientDto, ReviewDuplicateDto, SearchPatientsDto, UpdatePatientDto } from './dto.js';
import { PatientsService } from './patients.service.js';

const uuid = new ParseUUIDPipe({ errorHttpStatusCode: 404 });

@ApiTags('patients')
@ApiBearerAuth()
@Controller('patients')
export class PatientsController {
  constructor(private readonly patients: PatientsService) {}

  @Post()
  @Roles('community_doctor')
  @ApiView('PatientView', { status: 201 })
  create(@CurrentActor() actor: Actor, @Body() dto: CreatePatientDto) {
    return this.patients.create(actor, dto);
  }

  @Get()
  @Roles('community_doctor', 'coordinator')
  @ApiView('PatientListView')
  search(@CurrentActor() actor: Actor, @Query() dto: SearchPatientsDto) {
    return this.patients.search(actor, dto);
  }

  @Get(':id')
  @Roles('community_doctor', 'specialist', 'coordinator')
  @ApiView('PatientView')
  get(@CurrentActor() actor: Actor, @Param('id', uuid) id: string) {
    return this.patients.get(actor, id);
  }

  @Patch(':id')
  @Roles('community_doctor')
  @ApiView('PatientView')
  update(@CurrentActor() actor: Actor, @Param('id', uuid) id: string, @Body() dto: UpdatePatientDto) {
    return this.patients.update(actor, id, dto);
  }

  /**
   * The coordinator's review of a record flagged as a possible duplicate (another centre holds the
   * same national ID): clears the flag; the decision is kept in the audit trail.
   */
  @Post(':id/duplicate-review')
  @HttpCode(200)
  @Roles('coordinator')
  @ApiView('PatientView')
  reviewDuplicate(@CurrentActor() actor: Actor, @Param('id', uuid) id: string, @Body() dto: ReviewDuplicateDto) {
    return this.patients.reviewDuplicate(actor, id, dto.samePerson);
  }

  /** Issue the code the patient signs in with (with their birth date); shown once. */
  @Post(':id/access-codes')
  @HttpCode(201)
  @Roles('community_doctor')
  @ApiView('PatientAccessCodeView', { status: 201 })
  issueAccessCode(@CurrentActor() actor: Actor, @Param('id', uuid) id: string) {
    return this.patients.issueAccessCode(actor, id);
  }
}
