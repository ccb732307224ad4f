import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentActor, Roles } from '#src/common/decorators.js';
import { ApiView } from '#src/common/openapi/api-view.decorator.js';
import type { Actor } from '#src/common/request-context.js';
import { CreateUserDto, ListUsersDto, ResetPasswordDto, UpdateUserDto } from './dto.js';
import { UsersService } from './users.service.js';

const uuid = new ParseUUIDPipe({ errorHttpStatusCode: 404 });

// Staff accounts: the administrator's alone.
@ApiTags('users')
@ApiBearerAuth()
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @Roles('admin')
  @ApiView('UserListView')
  list(@Query() q: ListUsersDto) {
    return this.users.list(q);
  }

  @Get(':id')
  @Roles('admin')
  @ApiView('UserView')
  get(@Param('id', uuid) id: string) {
    return this.users.get(id);
  }

  /** A new account with an initial password; 409 when the user name is taken. */
  @Post()
  @Roles('admin')
  @ApiView('UserView', { status: 201 })
  create(@Body() dto: CreateUserDto) {
    return this.users.create(dto);
  }

  @Patch(':id')
  @Roles('admin')
  @ApiView('UserView')
  update(@CurrentActor() actor: Actor, @Param('id', uuid) id: string, @Body() dto: UpdateUserDto) {
    return this.users.update(actor, id, dto);
  }

  /** The account can no longer sign in; its sign-ins end at once (refresh tokens revoked). */
  @Post(':id/deactivate')
  @HttpCode(200)
  @Roles('admin')
  @ApiView('UserView')
  deactivate(@CurrentActor() actor: Actor, @Param('id', uuid) id: string) {
    return this.users.setActive(actor, id, false);
  }

  @Post(':id/activate')
  @HttpCode(200)
  @Roles('admin')
  @ApiView('UserView')
  activate(@CurrentActor() actor: Actor, @Param('id', uuid) id: string) {
    return this.users.setActive(actor, id, true);
  }

  /** A new password chosen by the administrator (handed over in person); the account's sign-ins end. */
  @Post(':id/password')
  @HttpCode(204)
  @Roles('admin')
  async resetPassword(@Param('id', uuid) id: string, @Body() dto: ResetPasswordDto) {
    await this.users.resetPassword(id, dto.password);
  }
}
