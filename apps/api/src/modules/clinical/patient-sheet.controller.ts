import { Body, Controller, HttpCode, Param, ParseUUIDPipe, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CurrentActor, Roles } from '#src/common/decorators.js';
import { PublicUrl } from '#src/common/public-url.js';
import type { Actor } from '#src/common/request-context.js';
import { PatientSheetDto } from './dto.js';
import { PatientSheetService } from './patient-sheet.service.js';

const uuid = new ParseUUIDPipe({ errorHttpStatusCode: 404 });

@ApiTags('patients')
@ApiBearerAuth()
@Controller('patients/:id/access-codes')
export class PatientSheetController {
  constructor(
    private readonly sheet: PatientSheetService,
    private readonly publicUrl: PublicUrl,
  ) {}

  /**
   * The printable patient sheet (A4 PDF) for the code just issued: the code in the body (a POST, so it is in
   * no URL or log), checked against the patient's live code.
   */
  @Post('sheet')
  @HttpCode(200)
  @Roles('community_doctor')
  async render(
    @CurrentActor() actor: Actor,
    @Param('id', uuid) id: string,
    @Body() dto: PatientSheetDto,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const body = await this.sheet.render(actor, id, dto.code, this.publicUrl.origin(req));
    res
      .status(200)
      .type('application/pdf')
      .setHeader('Cache-Control', 'no-store')
      .setHeader('Content-Disposition', 'inline; filename="patient-sheet.pdf"');
    res.end(body);
  }
}
