import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Roles } from '#src/common/decorators.js';
import { ApiView } from '#src/common/openapi/api-view.decorator.js';
import { ServiceAccountsService } from './service-accounts.service.js';
import { CreateServiceAccountDto } from './dto.js';

const uuid = new ParseUUIDPipe({ errorHttpStatusCode: 404 });

// The register of gateway service accounts: the administrator's alone.
@ApiTags('service-accounts')
@ApiBearerAuth()
@Controller('service-accounts')
export class ServiceAccountsController {
  constructor(private readonly accounts: ServiceAccountsService) {}

  @Get()
  @Roles('admin')
  @ApiView('ServiceAccountView', { array: true })
  list() {
    return this.accounts.list();
  }

  /** Creates a gateway account of a community centre; the answer holds its credential, shown this once. */
  @Post()
  @Roles('admin')
  @ApiView('NewServiceAccount', { status: 201 })
  create(@Body() dto: CreateServiceAccountDto) {
    return this.accounts.create(dto.facilityId, dto.name);
  }

  @Post(':id/revoke')
  @HttpCode(200)
  @Roles('admin')
  @ApiView('ServiceAccountView')
  revoke(@Param('id', uuid) id: string) {
    return this.accounts.revoke(id);
  }
}
