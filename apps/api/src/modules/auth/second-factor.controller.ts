import { Body, Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post, Put, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiTags } from '@nestjs/swagger';
import { ArrayUnique, IsArray, IsIn, IsString, Length } from 'class-validator';
import { CurrentActor, Public, Roles } from '#src/common/decorators.js';
import { ApiView } from '#src/common/openapi/api-view.decorator.js';
import type { Request, Response } from 'express';
import type { Actor } from '#src/common/request-context.js';
import { APP_CONFIG, type AppConfig } from '#src/config/app-config.js';
import { AuthService } from './auth.service.js';
import { answerWithSession } from './refresh-cookie.js';
import type {
  SecondFactorChallengeCodeRequest,
  SecondFactorChallengeRequest,
  SecondFactorCodeRequest,
  SecondFactorPolicyView,
} from '@zhiyin/contracts';
import { STAFF_ROLES, type StaffRole } from '@zhiyin/workflow';
import { SecondFactorService } from './second-factor.service.js';

export class ChallengeDto implements SecondFactorChallengeRequest {
  @ApiProperty({ description: 'from the sign-in answer' }) @IsString() @Length(16, 256) challengeToken: string;
}

export class ChallengeCodeDto extends ChallengeDto implements SecondFactorChallengeCodeRequest {
  @ApiProperty({ description: 'the 6-digit code of the authenticator app, or a recovery code', example: '123456' })
  @IsString()
  @Length(6, 16)
  code: string;
}

export class CodeDto implements SecondFactorCodeRequest {
  @ApiProperty({ description: 'the 6-digit code of the authenticator app (or a recovery code to turn it off)' })
  @IsString()
  @Length(6, 16)
  code: string;
}

export class SecondFactorPolicyDto implements SecondFactorPolicyView {
  @ApiProperty({ enum: STAFF_ROLES, isArray: true, description: 'roles that must sign in with a second factor' })
  @IsArray()
  @ArrayUnique()
  @IsIn(STAFF_ROLES, { each: true })
  requiredRoles: StaffRole[];
}

// Second step of a sign-in (a code after the password) and enrolment forced by the role; both carry
// the challenge the password step answered, not a session.
@ApiTags('auth')
@Controller('auth/second-factor')
export class SecondFactorSignInController {
  constructor(
    private readonly secondFactor: SecondFactorService,
    private readonly auth: AuthService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post('verify')
  @HttpCode(200)
  @Public()
  @ApiView('SessionView')
  async verify(@Body() dto: ChallengeCodeDto, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const { user, method } = await this.secondFactor.verifyChallenge(dto.challengeToken, dto.code);
    // As every sign-in: the refresh token into the HttpOnly cookie, never the body.
    const tokens = await this.auth.startSession(user, { secondFactor: method });
    return answerWithSession(req, res, tokens, this.config.refreshTokenTtl);
  }

  @Post('challenge-enrolment')
  @HttpCode(200)
  @Public()
  @ApiView('TotpEnrolment')
  async startEnrolment(@Body() dto: ChallengeDto) {
    const user = await this.secondFactor.userOfEnrolmentChallenge(dto.challengeToken);
    return this.secondFactor.beginEnrolment(user);
  }

  @Post('challenge-enrolment/confirm')
  @HttpCode(200)
  @Public()
  @ApiView('EnrolledSessionView')
  async confirmEnrolment(
    @Body() dto: ChallengeCodeDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const user = await this.secondFactor.userOfEnrolmentChallenge(dto.challengeToken);
    const { recoveryCodes } = await this.secondFactor.confirmEnrolment(user, dto.code);
    await this.secondFactor.finishEnrolmentChallenge(dto.challengeToken);
    const tokens = await this.auth.startSession(user, { secondFactor: 'enrolled' });
    return { ...answerWithSession(req, res, tokens, this.config.refreshTokenTtl), recoveryCodes };
  }
}

// A signed-in member of staff manages their own second factor.
@ApiTags('auth')
@ApiBearerAuth()
@Controller('auth/second-factor')
export class SecondFactorAccountController {
  constructor(private readonly secondFactor: SecondFactorService) {}

  @Get()
  @Roles(...STAFF_ROLES)
  @ApiView('SecondFactorStatus')
  status(@CurrentActor() actor: Actor) {
    return this.secondFactor.status(actor);
  }

  @Post('enrolment')
  @HttpCode(200)
  @Roles(...STAFF_ROLES)
  @ApiView('TotpEnrolment')
  async enrol(@CurrentActor() actor: Actor) {
    return this.secondFactor.beginEnrolment(await this.secondFactor.staffUser(actor));
  }

  @Post('enrolment/confirm')
  @HttpCode(200)
  @Roles(...STAFF_ROLES)
  @ApiView('RecoveryCodesView')
  async confirm(@CurrentActor() actor: Actor, @Body() dto: CodeDto) {
    return this.secondFactor.confirmEnrolment(await this.secondFactor.staffUser(actor), dto.code);
  }

  @Post('disable')
  @HttpCode(204)
  @Roles(...STAFF_ROLES)
  async disable(@CurrentActor() actor: Actor, @Body() dto: CodeDto) {
    await this.secondFactor.disable(actor, dto.code);
  }

  @Post('recovery-codes')
  @HttpCode(200)
  @Roles(...STAFF_ROLES)
  @ApiView('RecoveryCodesView')
  regenerate(@CurrentActor() actor: Actor, @Body() dto: CodeDto) {
    return this.secondFactor.regenerateRecoveryCodes(actor, dto.code);
  }
}

// The administrator: which roles must use a second factor, and removing a user's lost one.
@ApiTags('settings')
@ApiBearerAuth()
@Controller()
export class SecondFactorAdminController {
  constructor(private readonly secondFactor: SecondFactorService) {}

  @Get('settings/second-factor')
  @Roles('admin')
  @ApiView('SecondFactorPolicyView')
  policy() {
    return this.secondFactor.policy();
  }

  @Put('settings/second-factor')
  @Roles('admin')
  @ApiView('SecondFactorPolicyView')
  setPolicy(@CurrentActor() actor: Actor, @Body() dto: SecondFactorPolicyDto) {
    return this.secondFactor.setPolicy(actor, dto.requiredRoles);
  }

  @Post('users/:id/second-factor/reset')
  @HttpCode(204)
  @Roles('admin')
  async reset(@Param('id', new ParseUUIDPipe()) id: string) {
    await this.secondFactor.resetForUser(id);
  }
}
