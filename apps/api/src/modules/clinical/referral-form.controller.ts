import { Controller, Get, Param, ParseUUIDPipe, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentActor, Roles } from '#src/common/decorators.js';
import type { Actor } from '#src/common/request-context.js';
import { ReferralFormService } from './referral-form.service.js';

const uuid = new ParseUUIDPipe({ errorHttpStatusCode: 404 });

@ApiTags('reports and plans')
@ApiBearerAuth()
@Controller('referrals/:id')
export class ReferralFormController {
  constructor(private readonly form: ReferralFormService) {}

  /** The two-way referral form (上转单 / 下转单) as a printable PDF. */
  @Get('referral-form.pdf')
  @Roles('community_doctor', 'specialist', 'coordinator')
  async pdf(@CurrentActor() actor: Actor, @Param('id', uuid) id: string, @Res() res: Response) {
    const { number, body } = await this.form.render(actor, id);
    res
      .status(200)
      .type('application/pdf')
      .setHeader('Content-Disposition', `inline; filename="referral-form-${number}.pdf"`);
    res.end(body);
  }
}
