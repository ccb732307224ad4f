import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentActor, Roles } from '#src/common/decorators.js';
import { ApiView } from '#src/common/openapi/api-view.decorator.js';
import type { Actor } from '#src/common/request-context.js';
import { BoardService } from './board.service.js';

@ApiTags('referrals')
@ApiBearerAuth()
@Controller('board')
export class BoardController {
  constructor(private readonly board: BoardService) {}

  /** The coordinator's board: every pool's queue and specialists, and the hub appointments to book. */
  @Get()
  @Roles('coordinator')
  @ApiView('BoardView')
  get(@CurrentActor() actor: Actor) {
    return this.board.board(actor);
  }
}
