import { Body, Controller, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsISO8601, IsString, Length, MaxLength } from 'class-validator';
import type { Request, Response } from 'express';
import type { LoginRequest, PatientLoginRequest } from '@zhiyin/contracts';
import { CurrentActor, Public, Roles } from '#src/common/decorators.js';
import { ApiView } from '#src/common/openapi/api-view.decorator.js';
import { AppError } from '#src/common/errors.js';
import { ROLES, type Actor } from '#src/common/request-context.js';
import { APP_CONFIG, type AppConfig } from '#src/config/app-config.js';
import { AuthService, type SessionTokens } from './auth.service.js';
import type { SecondFactorChallenge } from './second-factor.service.js';
import { answerWithSession, clearRefreshCookie, CSRF_HEADER, readRefreshCookie } from './refresh-cookie.js';

export class LoginDto implements LoginRequest {
  @ApiProperty({ example: 'doc.hyjq' }) @IsString() @Length(1, 64) username: string;
  @ApiProperty() @IsString() @Length(1, 256) password: string;
}

export class PatientLoginDto implements PatientLoginRequest {
  @ApiProperty({ example: 'ABCDE-FGHJK' }) @IsString() @MaxLength(32) code: string;
  @ApiProperty({ example: '1958-04-12' }) @IsISO8601({ strict: true }) @Length(10, 10) birthDate: string;
}

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post('login')
  @HttpCode(200)
  @Public()
  @ApiView('SignInAnswer')
  async login(@Body() dto: LoginDto, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.session(req, res, await this.auth.login(dto.username, dto.password));
  }

  /** A new access token for the sign-in in the refresh cookie (which is rotated). */
  @Post('refresh')
  @HttpCode(200)
  @Public()
  @ApiHeader({ name: CSRF_HEADER, required: true, description: 'must be 1 (cross-site request defence)' })
  @ApiView('SessionView')
  async refresh(@Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const token = readRefreshCookie(req);
    if (!token) throw new AppError('INVALID_REFRESH_TOKEN', 'Your session has ended. Sign in again.');
    try {
      return this.session(req, res, await this.auth.refresh(token));
    } catch (err) {
      // An ended sign-in's cookie is of no more use: the browser drops it (kept on other failures).
      if (err instanceof AppError && err.code === 'INVALID_REFRESH_TOKEN') clearRefreshCookie(req, res);
      throw err;
    }
  }

  /** Ends the sign-in of the refresh cookie (every access token of it stops) and removes the cookie. */
  @Post('logout')
  @HttpCode(204)
  @Public()
  @ApiHeader({ name: CSRF_HEADER, required: true, description: 'must be 1 (cross-site request defence)' })
  async logout(@Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const token = readRefreshCookie(req);
    clearRefreshCookie(req, res);
    if (token) await this.auth.logout(token);
  }

  @Post('patient-login')
  @HttpCode(200)
  @Public()
  @ApiView('SessionView')
  async patientLogin(@Body() dto: PatientLoginDto, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.session(req, res, await this.auth.patientLogin(dto.code, dto.birthDate));
  }

  @Get('me')
  @ApiBearerAuth()
  @Roles(...ROLES)
  @ApiView('SessionUserView')
  me(@CurrentActor() actor: Actor) {
    return this.auth.me(actor);
  }

  // A second-factor challenge is answered as it is: it carries no session yet.
  private session(req: Request, res: Response, answer: SessionTokens | SecondFactorChallenge) {
    if ('secondFactor' in answer) return answer;
    return answerWithSession(req, res, answer, this.config.refreshTokenTtl);
  }
}
