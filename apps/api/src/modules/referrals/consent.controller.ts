import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Put, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiConsumes, ApiTags } from '@nestjs/swagger';
import { CONSENT_FORM_MAX_BYTES } from '@zhiyin/contracts';
import type { Request, Response } from 'express';
import { CurrentActor, Roles } from '#src/common/decorators.js';
import { ApiView } from '#src/common/openapi/api-view.decorator.js';
import { AppError } from '#src/common/errors.js';
import type { Actor } from '#src/common/request-context.js';
import { ConsentService, consentMediaType } from './consent.service.js';
import { VerbalConsentDto } from './dto.js';

const uuid = new ParseUUIDPipe({ errorHttpStatusCode: 404 });
const STAFF_READERS = ['community_doctor', 'specialist', 'coordinator'] as const;

/** The request body, refused past `limit` bytes without reading the rest into memory. */
async function readBody(req: Request, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit)
    throw new AppError('PAYLOAD_TOO_LARGE', 'The file is larger than 10 MB.', { limitBytes: limit });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new AppError('PAYLOAD_TOO_LARGE', 'The file is larger than 10 MB.', { limitBytes: limit });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

@ApiTags('referrals')
@ApiBearerAuth()
@Controller('referrals/:id/consent')
export class ConsentController {
  constructor(private readonly consent: ConsentService) {}

  /** The patient's consent to remote diagnosis on this referral, or null when none is recorded yet. */
  @Get()
  @Roles(...STAFF_READERS)
  @ApiView('ConsentView', { nullable: true })
  view(@CurrentActor() actor: Actor, @Param('id', uuid) id: string) {
    return this.consent.view(actor, id);
  }

  /** Verbal consent given before a witness, recorded by the referring doctor on the draft. */
  @Post('verbal')
  @HttpCode(200)
  @Roles('community_doctor')
  @ApiView('ConsentView')
  verbal(@CurrentActor() actor: Actor, @Param('id', uuid) id: string, @Body() dto: VerbalConsentDto) {
    return this.consent.recordVerbal(actor, id, dto);
  }

  /** The signed consent form, photographed or scanned: the body is the file (image/jpeg, image/png or application/pdf). */
  @Put('form')
  @HttpCode(200)
  @Roles('community_doctor')
  @ApiConsumes('image/jpeg', 'image/png', 'application/pdf')
  @ApiView('ConsentView')
  async form(@CurrentActor() actor: Actor, @Param('id', uuid) id: string, @Req() req: Request) {
    const type = req.headers['content-type'];
    // A file of the wrong type is refused without being read.
    const data = consentMediaType(type) ? await readBody(req, CONSENT_FORM_MAX_BYTES) : Buffer.alloc(0);
    return this.consent.recordForm(actor, id, type, data);
  }

  /** The signed form's file, for everyone who may read the referral. */
  @Get('form')
  @Roles(...STAFF_READERS)
  async file(@CurrentActor() actor: Actor, @Param('id', uuid) id: string, @Res() res: Response) {
    const { data, mediaType } = await this.consent.form(actor, id);
    res
      .status(200)
      .type(mediaType)
      .setHeader('Cache-Control', 'no-store')
      .setHeader(
        'Content-Disposition',
        `inline; filename="consent-form.${mediaType === 'application/pdf' ? 'pdf' : mediaType.slice(6)}"`,
      );
    res.end(data);
  }
}
