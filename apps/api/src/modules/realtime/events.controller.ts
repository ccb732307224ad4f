import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentActor, Roles } from '#src/common/decorators.js';
import { ApiView } from '#src/common/openapi/api-view.decorator.js';
import { ROLES, type Actor } from '#src/common/request-context.js';
import { EventsQueryDto } from './dto.js';
import { OutboxService } from './outbox.service.js';
import { staticRooms } from './rooms.js';

@ApiTags('events')
@ApiBearerAuth()
@Controller('events')
export class EventsController {
  constructor(private readonly outbox: OutboxService) {}

  /** Events after the given id in the caller's rooms, oldest first: catch-up after a long disconnection. */
  @Get()
  @Roles(...ROLES)
  @ApiView('EventReplayView')
  async replay(@CurrentActor() actor: Actor, @Query() q: EventsQueryDto) {
    const limit = q.limit ?? 500;
    const items = await this.outbox.replay(staticRooms(actor), q.after, limit);
    return { items, more: items.length === limit };
  }
}
