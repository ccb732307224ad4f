import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsObject } from 'class-validator';
import type { PutTurnaroundPolicyRequest, TurnaroundPolicyInput } from '@zhiyin/contracts';
import { CurrentActor, Roles } from '#src/common/decorators.js';
import { ApiView } from '#src/common/openapi/api-view.decorator.js';
import type { Actor } from '#src/common/request-context.js';
import { TurnaroundPolicyService } from './turnaround-policy.service.js';
import { IsBoundedInt } from '#src/common/validation/decorators.js';

export class PutTurnaroundPolicyDto implements PutTurnaroundPolicyRequest {
  // Checked limit by limit by validateTurnaroundPolicy (packages/workflow), which names each bad one.
  @ApiProperty({ description: 'the complete policy: every service × priority × limit, in minutes' })
  @IsObject()
  policy: TurnaroundPolicyInput;

  @ApiProperty({ description: 'the version you edited (0 before the first change); a stale version is refused' })
  @IsBoundedInt({ min: 0 })
  version: number;
}

// Network settings. The turnaround policy: the administrator changes it, coordinators (who watch
// the limits) may read it. Each change is a new version, audited.
@ApiTags('settings')
@ApiBearerAuth()
@Controller('settings')
export class SettingsController {
  constructor(private readonly policy: TurnaroundPolicyService) {}

  @Get('turnaround-policy')
  @Roles('admin', 'coordinator')
  @ApiView('TurnaroundPolicyView')
  getTurnaroundPolicy() {
    return this.policy.view();
  }

  /** Applies to referrals submitted and timers scheduled from now on; timers already running keep their due times. */
  @Put('turnaround-policy')
  @Roles('admin')
  @ApiView('TurnaroundPolicyView')
  putTurnaroundPolicy(@CurrentActor() actor: Actor, @Body() dto: PutTurnaroundPolicyDto) {
    return this.policy.update(actor, dto.policy, dto.version);
  }
}
