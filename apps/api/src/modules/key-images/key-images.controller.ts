import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentActor, Roles } from '#src/common/decorators.js';
import { ApiView } from '#src/common/openapi/api-view.decorator.js';
import type { Actor } from '#src/common/request-context.js';
import { MarkKeyImageDto } from './dto.js';
import { KeyImagesService } from './key-images.service.js';

const uuid = new ParseUUIDPipe({ errorHttpStatusCode: 404 });

@ApiTags('reports and plans')
@ApiBearerAuth()
@Controller('referrals/:id/key-images')
export class KeyImagesController {
  constructor(private readonly keyImages: KeyImagesService) {}

  /** The key images of the referral's report, in the order they were marked, with their measurements. */
  @Get()
  @Roles('community_doctor', 'specialist', 'coordinator')
  @ApiView('KeyImageView', { array: true })
  list(@CurrentActor() actor: Actor, @Param('id', uuid) id: string) {
    return this.keyImages.list(actor, id);
  }

  /** Marks a frame as a key image (201), or replaces the measurements of one already marked (200). */
  @Post()
  @Roles('specialist')
  @ApiView('KeyImageView', { status: 201, description: 'marked' })
  @ApiView('KeyImageView', { status: 200, description: 'the same frame marked again: its measurements replaced' })
  async mark(
    @CurrentActor() actor: Actor,
    @Param('id', uuid) id: string,
    @Body() dto: MarkKeyImageDto,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { view, created } = await this.keyImages.mark(actor, id, dto);
    res.status(created ? 201 : 200);
    return view;
  }

  @Delete(':keyImageId')
  @HttpCode(204)
  @Roles('specialist')
  async remove(
    @CurrentActor() actor: Actor,
    @Param('id', uuid) id: string,
    @Param('keyImageId', uuid) keyImageId: string,
  ) {
    await this.keyImages.remove(actor, id, keyImageId);
  }
}
