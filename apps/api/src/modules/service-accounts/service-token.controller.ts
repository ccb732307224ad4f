import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Public } from '#src/common/decorators.js';
import { ApiView } from '#src/common/openapi/api-view.decorator.js';
import { ServiceAccountsService } from './service-accounts.service.js';
import { ServiceTokenDto } from './dto.js';

// The token endpoint of service accounts (client credentials): a gateway's credential for a short-lived access token,
// asked again before it runs out. Never a person's password.
@ApiTags('auth')
@Controller('auth/service-token')
export class ServiceTokenController {
  constructor(private readonly accounts: ServiceAccountsService) {}

  @Post()
  @HttpCode(200)
  @Public()
  @ApiView('ServiceTokenView')
  token(@Body() dto: ServiceTokenDto) {
    return this.accounts.exchange(dto.credential);
  }
}
