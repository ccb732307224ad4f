import { Controller, Get, Param, ParseUUIDPipe, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { CASE_FIRST_IMAGE_HEADERS } from '@zhiyin/contracts';
import type { Response } from 'express';
import { CurrentActor, Roles } from '#src/common/decorators.js';
import type { Actor } from '#src/common/request-context.js';
import { CaseFirstImageService } from './case-first-image.service.js';

const uuid = new ParseUUIDPipe({ errorHttpStatusCode: 404 });

@ApiTags('referrals')
@ApiBearerAuth()
@Controller('referrals/:id/first-image')
export class CaseFirstImageController {
  constructor(private readonly images: CaseFirstImageService) {}

  /**
   * The image the reading room opens the case on, rendered (PNG, the image's own window), with headers naming its
   * study, series and instance; 204 when the case has nothing to draw first (an ECG, a document).
   */
  @Get()
  @Roles('community_doctor', 'specialist', 'coordinator')
  @ApiProduces('image/png')
  @ApiOkResponse({ description: 'frame 1 of the first image of the first series, in slice order' })
  @ApiNoContentResponse({ description: 'the case has no image to draw first' })
  async get(@CurrentActor() actor: Actor, @Param('id', uuid) id: string, @Res() res: Response) {
    const image = await this.images.get(actor, id);
    if (!image) {
      res.status(204).end();
      return;
    }
    res
      .status(200)
      .type(image.type)
      .setHeader(CASE_FIRST_IMAGE_HEADERS.study, image.studyInstanceUid)
      .setHeader(CASE_FIRST_IMAGE_HEADERS.series, image.seriesInstanceUid)
      .setHeader(CASE_FIRST_IMAGE_HEADERS.instance, image.sopInstanceUid);
    res.end(image.body);
  }
}
