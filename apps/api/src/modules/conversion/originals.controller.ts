import { Controller, Get, Param, Res } from '@nestjs/common';
import type { OriginalFile } from '@zhiyin/contracts';
import type { Response } from 'express';
import { CurrentActor, Roles } from '#src/common/decorators.js';
import type { Actor } from '#src/common/request-context.js';
import { OriginalsService } from './originals.service.js';

// The file a cart made (aECG, SCP-ECG, PDF, photo), kept beside the DICOM instance it was converted to:
// readable by whoever may read the instance, and only by them.
@Controller('dicomweb')
export class OriginalsController {
  constructor(private readonly originals: OriginalsService) {}

  @Get('studies/:study/originals')
  @Roles('community_doctor', 'specialist', 'coordinator')
  list(@CurrentActor() actor: Actor, @Param('study') study: string): Promise<OriginalFile[]> {
    return this.originals.ofStudy(actor, study);
  }

  @Get('studies/:study/series/:series/instances/:sop/original')
  @Roles('community_doctor', 'specialist', 'coordinator')
  async original(
    @Res() res: Response,
    @CurrentActor() actor: Actor,
    @Param('study') study: string,
    @Param('series') series: string,
    @Param('sop') sop: string,
  ) {
    const { original, stream } = await this.originals.open(actor, {
      studyUid: study,
      seriesUid: series,
      sopInstanceUid: sop,
    });
    const ext = { aecg: 'xml', 'scp-ecg': 'scp', pdf: 'pdf', jpeg: 'jpg', png: 'png' }[original.format];
    res
      .status(200)
      .type(original.mediaType)
      .setHeader('Content-Length', String(original.sizeBytes))
      .setHeader('Content-Disposition', `attachment; filename="original.${ext}"`)
      .setHeader('X-Original-Format', original.format);
    stream.pipe(res);
  }
}
