import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsISO8601, IsString, Length, MaxLength } from 'class-validator';
import { CurrentActor, Public, Roles } from '#src/common/decorators.js';
import { ROLES, type Actor } from '#src/common/request-context.js';
import { AuthService } from './auth.service.js';

export class LoginDto {
  @ApiProperty({ example: 'doc.bjcy' }) @IsString() @Length(1, 64) username: string;
  @ApiProperty() @IsString() @Length(1, 256) password: string;
}

export class RefreshDto {
  @ApiProperty() @IsString() @Length(16, 256) refreshToken: string;
}

export class PatientLoginDto {
  @ApiProperty({ example: 'ABCDE-FGHJK' }) @IsString() @MaxLength(32) code: string;
  @ApiProperty({ example: '1958-04-12' }) @IsISO8601({ strict: true }) @Length(10, 10) birthDate: string;
}

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('login')
  @HttpCode(200)
  @Public()
  login(@Body() dto: LoginDto) {
    return this.auth.login(dto.username, dto.password);
  }

  @Post('refresh')
  @HttpCode(200)
  @Public()
  refresh(@Body() dto: RefreshDto) {
    return this.auth.refresh(dto.refreshToken);
  }

  @Post('logout')
  @HttpCode(204)
  @Public()
  async logout(@Body() dto: RefreshDto) {
    await this.auth.logout(dto.refreshToken);
  }

  @Post('patient-login')
  @HttpCode(200)
  @Public()
  patientLogin(@Body() dto: PatientLoginDto) {
    return this.auth.patientLogin(dto.code, dto.birthDate);
  }

  @Get('me')
  @ApiBearerAuth()
  @Roles(...ROLES)
  me(@CurrentActor() actor: Actor) {
    return this.auth.me(actor);
  }
}
