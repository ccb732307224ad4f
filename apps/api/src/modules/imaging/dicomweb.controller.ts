import { Controller, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CurrentActor, GatewayAccess, Roles } from '#src/common/decorators.js';
import { AppError } from '#src/common/errors.js';
import type { Actor } from '#src/common/request-context.js';
import { MetricsService } from '#src/modules/metrics/metrics.service.js';
import { DICOM_JSON, jsonAnswer } from './dicomweb-answer.js';
import { patientOverride } from './dicomweb-params.js';
import { DicomwebReadService } from './dicomweb-read.service.js';
import { matchRoute } from './dicomweb-routes.js';
import { DicomwebAdapter } from './dicomweb.adapter.js';
import { StowService } from './stow.service.js';
import { parseAccept } from './wado.service.js';

const READERS = ['community_doctor', 'specialist', 'coordinator'] as const;

// DICOMweb (PS3.18): STOW-RS, QIDO-RS, WADO-RS. Served under /dicomweb so that any standard client or viewer works
// with a bearer token and no other change. Every read goes through one handler and the route table
// (dicomweb-routes.ts); the adapter turns the request into plain values and writes the answer.
@ApiExcludeController()
@ApiBearerAuth()
@Controller('dicomweb')
export class DicomwebController {
  constructor(
    private readonly stow: StowService,
    private readonly reads: DicomwebReadService,
    private readonly http: DicomwebAdapter,
    private readonly metrics: MetricsService,
  ) {}

  // ---- STOW-RS ----
  @Post('studies')
  @HttpCode(200)
  @Roles('community_doctor')
  @GatewayAccess()
  async storeStudies(@Req() req: Request, @Res() res: Response, @CurrentActor() actor: Actor) {
    await this.store(req, res, actor);
  }

  @Post('studies/:study')
  @HttpCode(200)
  @Roles('community_doctor')
  @GatewayAccess()
  async storeStudy(
    @Req() req: Request,
    @Res() res: Response,
    @CurrentActor() actor: Actor,
    @Param('study') study: string,
  ) {
    await this.store(req, res, actor, study);
  }

  private async store(req: Request, res: Response, actor: Actor, study?: string) {
    if (
      !parseAccept(req.headers.accept).some((r) =>
        ['*/*', 'application/*', DICOM_JSON, 'application/json'].includes(r.type),
      )
    )
      throw new AppError('NOT_ACCEPTABLE', 'STOW-RS responses are available as application/dicom+json.');
    const input = this.http.input(req);
    // The client going away (the connection closes before the answer is written) stops the work.
    const gone = this.http.gone(res);
    // Counted from the answer (and the refusal) as the client sees them; a client that went away is
    // counted among the aborted requests instead.
    const result = await this.http
      .receiving(req, () =>
        this.stow.store(
          this.http.stowBody(req),
          actor,
          input.baseUrl,
          study,
          gone,
          patientOverride(req.headers['x-zhiyin-patient-override']),
        ),
      )
      .catch((err: unknown) => {
        if (!req.destroyed) this.metrics.observeStowError('stow', err);
        throw err;
      });
    this.metrics.observeStowResult('stow', result.body);
    await this.http.send(req, res, jsonAnswer(result.status, result.body));
  }

  // ---- QIDO-RS and WADO-RS: every read route of dicomweb-routes.ts ----
  @Get('*path')
  @Roles(...READERS)
  async read(@Req() req: Request, @Res() res: Response, @CurrentActor() actor: Actor) {
    const route = matchRoute(req.path.slice('/dicomweb'.length));
    const answer = await route.read(this.reads, actor, this.http.input(req, route.template), route.params);
    await this.http.send(req, res, answer);
  }
}
