import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentActor, Roles } from '#src/common/decorators.js';
import { ApiView } from '#src/common/openapi/api-view.decorator.js';
import type { Actor } from '#src/common/request-context.js';
import { CriticalPolicyService } from './critical-policy.service.js';
import { CriticalResultsService } from './critical-results.service.js';
import { ConfirmCriticalDto, ListCriticalDto, PutCriticalPolicyDto, RaiseCriticalDto, RecordCallDto } from './dto.js';

const uuid = new ParseUUIDPipe({ errorHttpStatusCode: 404 });
// Every staff role reaches the routes; the service answers 404 to anyone outside a result's scope.
const STAFF = ['community_doctor', 'specialist', 'coordinator'] as const;

@ApiTags('critical-results')
@ApiBearerAuth()
@Controller()
export class CriticalResultsController {
  constructor(private readonly critical: CriticalResultsService) {}

  /** The reader of the referral reports a critical finding: the referring centre is alerted at once. */
  @Post('referrals/:id/critical-results')
  @Roles(...STAFF)
  @ApiView('CriticalResultView', { status: 201 })
  raise(@CurrentActor() actor: Actor, @Param('id', uuid) id: string, @Body() dto: RaiseCriticalDto) {
    return this.critical.raise(actor, id, dto);
  }

  @Get('referrals/:id/critical-results')
  @Roles(...STAFF)
  @ApiView('CriticalResultView', { array: true })
  forReferral(@CurrentActor() actor: Actor, @Param('id', uuid) id: string) {
    return this.critical.forReferral(actor, id);
  }

  /** Open ones: a centre's doctors see their centre's, readers their own, coordinators all. */
  @Get('critical-results')
  @Roles(...STAFF)
  @ApiView('CriticalResultView', { array: true })
  list(@CurrentActor() actor: Actor, @Query() q: ListCriticalDto) {
    return this.critical.list(actor, q.scope === 'recent');
  }

  /** A doctor of the referring centre confirms receipt by reading the finding back. */
  @Post('critical-results/:id/confirm')
  @HttpCode(200)
  @Roles(...STAFF)
  @ApiView('CriticalResultView')
  confirm(@CurrentActor() actor: Actor, @Param('id', uuid) id: string, @Body() dto: ConfirmCriticalDto) {
    return this.critical.confirm(actor, id, dto);
  }

  /** A coordinator logs a phone call about an escalated one; a call with the right read-back closes it. */
  @Post('critical-results/:id/calls')
  @HttpCode(200)
  @Roles(...STAFF)
  @ApiView('CriticalResultView')
  recordCall(@CurrentActor() actor: Actor, @Param('id', uuid) id: string, @Body() dto: RecordCallDto) {
    return this.critical.recordCall(actor, id, dto);
  }
}

// The network's critical findings and read-back limit: every staff member reads them (readers pick
// from them, doctors read back against them); the administrator changes them.
@ApiTags('settings')
@ApiBearerAuth()
@Controller('settings/critical-results')
export class CriticalPolicyController {
  constructor(private readonly policy: CriticalPolicyService) {}

  @Get()
  @Roles('admin', ...STAFF)
  @ApiView('CriticalResultPolicyView')
  get() {
    return this.policy.view();
  }

  @Put()
  @Roles('admin')
  @ApiView('CriticalResultPolicyView')
  put(@CurrentActor() actor: Actor, @Body() dto: PutCriticalPolicyDto) {
    return this.policy.update(actor, dto.policy, dto.version);
  }
}
