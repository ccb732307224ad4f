import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentActor, Roles } from '#src/common/decorators.js';
import { ApiView } from '#src/common/openapi/api-view.decorator.js';
import type { Actor } from '#src/common/request-context.js';
import {
  AttachStudyDto,
  CreateReferralDto,
  ListReferralsDto,
  PostMessageDto,
  ReferralEventDto,
  UpdateReferralDto,
} from './dto.js';
import { ReferralDraftsService } from './referral-drafts.service.js';
import { ReferralEventsService } from './referral-events.service.js';
import { ReferralMessagesService } from './referral-messages.service.js';
import { ReferralStudyLinksService } from './referral-study-links.service.js';
import { ReferralsService } from './referrals.service.js';

const uuid = new ParseUUIDPipe({ errorHttpStatusCode: 404 });
const STAFF_READERS = ['community_doctor', 'specialist', 'coordinator'] as const;

@ApiTags('referrals')
@ApiBearerAuth()
@Controller('referrals')
export class ReferralsController {
  constructor(
    private readonly referrals: ReferralsService,
    private readonly drafts: ReferralDraftsService,
    private readonly events: ReferralEventsService,
    private readonly studyLinks: ReferralStudyLinksService,
    private readonly messageThread: ReferralMessagesService,
  ) {}

  @Post()
  @Roles('community_doctor')
  @ApiView('ReferralDetailView', { status: 201 })
  create(@CurrentActor() actor: Actor, @Body() dto: CreateReferralDto) {
    return this.drafts.create(actor, dto);
  }

  @Get()
  @Roles(...STAFF_READERS)
  @ApiView('ReferralListView')
  list(@CurrentActor() actor: Actor, @Query() q: ListReferralsDto) {
    return this.referrals.list(actor, q);
  }

  /** A specialist takes the most urgent waiting referral of their pool. */
  @Post('claim-next')
  @HttpCode(200)
  @Roles('specialist')
  @ApiView('ReferralDetailView')
  claimNext(@CurrentActor() actor: Actor) {
    return this.events.claimNext(actor);
  }

  @Get(':id')
  @Roles(...STAFF_READERS)
  @ApiView('ReferralDetailView')
  get(@CurrentActor() actor: Actor, @Param('id', uuid) id: string) {
    return this.referrals.get(actor, id);
  }

  @Patch(':id')
  @Roles('community_doctor')
  @ApiView('ReferralDetailView')
  update(@CurrentActor() actor: Actor, @Param('id', uuid) id: string, @Body() dto: UpdateReferralDto) {
    return this.drafts.update(actor, id, dto);
  }

  @Post(':id/studies')
  @HttpCode(200)
  @Roles('community_doctor')
  @ApiView('ReferralDetailView')
  attach(@CurrentActor() actor: Actor, @Param('id', uuid) id: string, @Body() dto: AttachStudyDto) {
    return this.studyLinks.attachStudy(actor, id, dto.studyInstanceUid, dto.patientOverrideReason);
  }

  /** Moves the referral: submit, accept, decline, ask and answer, reassign, cancel, close… */
  @Post(':id/events')
  @HttpCode(200)
  @Roles(...STAFF_READERS)
  @ApiView('ReferralDetailView')
  fire(@CurrentActor() actor: Actor, @Param('id', uuid) id: string, @Body() dto: ReferralEventDto) {
    return this.events.fire(actor, id, dto);
  }

  @Get(':id/messages')
  @Roles(...STAFF_READERS)
  @ApiView('ReferralMessageView', { array: true })
  messages(@CurrentActor() actor: Actor, @Param('id', uuid) id: string) {
    return this.messageThread.messages(actor, id);
  }

  @Post(':id/messages')
  @Roles(...STAFF_READERS)
  @ApiView('ReferralMessageView', { status: 201 })
  post(@CurrentActor() actor: Actor, @Param('id', uuid) id: string, @Body() dto: PostMessageDto) {
    return this.messageThread.postMessage(actor, id, dto.body);
  }
}
