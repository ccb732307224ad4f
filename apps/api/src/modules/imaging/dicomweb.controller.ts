import { Controller, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CurrentActor, GatewayAccess, Roles } from '#src/common/decorators.js';
import { AppError } from '#src/common/errors.js';
import { PublicUrl } from '#src/common/public-url.js';
import type { Actor } from '#src/common/request-context.js';
import { MetricsService } from '#src/modules/metrics/metrics.service.js';
import { QidoService, type QidoLevel } from './qido.service.js';
import type { RenderOptions, Viewport } from './render.js';
import { StowService } from './stow.service.js';
import { parseAccept, WadoService, type InstanceRef } from './wado.service.js';

const READERS = ['community_doctor', 'specialist', 'coordinator'] as const;
const DICOM_JSON = 'application/dicom+json';

function parseFrames(list: string): number[] {
  if (!/^\d{1,6}(,\d{1,6}){0,999}$/.test(list))
    throw new AppError('BAD_REQUEST', 'Frames are a comma-separated list of frame numbers, e.g. 1,2,3.');
  return list.split(',').map(Number);
}

// DICOMweb (PS3.18): STOW-RS, QIDO-RS, WADO-RS. Served under /dicomweb so that any standard
// client or viewer works with a bearer token and no other change.
@ApiExcludeController()
@ApiBearerAuth()
@Controller('dicomweb')
export class DicomwebController {
  constructor(
    private readonly stow: StowService,
    private readonly qido: QidoService,
    private readonly wado: WadoService,
    private readonly publicUrl: PublicUrl,
    private readonly metrics: MetricsService,
  ) {}

  // The root of the URLs written into answers: the configured public URL, never the client's Host header.
  private baseUrl(req: Request): string {
    return `${this.publicUrl.origin(req)}/dicomweb`;
  }

  // ---- STOW-RS ----
  @Post('studies')
  @HttpCode(200)
  @Roles('community_doctor')
  @GatewayAccess()
  async storeStudies(@Req() req: Request, @Res() res: Response, @CurrentActor() actor: Actor) {
    await this.sendStow(req, res, actor);
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
    await this.sendStow(req, res, actor, study);
  }

  private async sendStow(req: Request, res: Response, actor: Actor, study?: string) {
    const accept = parseAccept(req.headers.accept);
    if (!accept.some((r) => ['*/*', 'application/*', DICOM_JSON, 'application/json'].includes(r.type))) {
      throw new AppError('NOT_ACCEPTABLE', 'STOW-RS responses are available as application/dicom+json.');
    }
    // The client going away (the connection closes before the answer is written) stops the work.
    const gone = new AbortController();
    const onClose = () => {
      if (!res.writableFinished) gone.abort();
    };
    res.once('close', onClose);
    // Counted from the answer (and the refusal) as the client sees them; a client that went away is
    // counted among the aborted requests instead.
    const result = await this.stow
      .store(req, actor, this.baseUrl(req), study, gone.signal, patientOverrideHeader(req))
      .catch((err: unknown) => {
        if (!req.destroyed) this.metrics.observeStowError('stow', err);
        throw err;
      });
    this.metrics.observeStowResult('stow', result.body);
    // A POST answer: no ETag or freshness checks, so written directly.
    const body = Buffer.from(JSON.stringify(result.body));
    res.writeHead(result.status, { 'Content-Type': DICOM_JSON, 'Content-Length': String(body.length) });
    res.end(body);
  }

  // ---- QIDO-RS ----
  @Get('studies')
  @Roles(...READERS)
  searchStudies(@Req() req: Request, @Res() res: Response, @CurrentActor() actor: Actor) {
    return this.sendQido(req, res, actor, 'study');
  }

  @Get('series')
  @Roles(...READERS)
  searchAllSeries(@Req() req: Request, @Res() res: Response, @CurrentActor() actor: Actor) {
    return this.sendQido(req, res, actor, 'series');
  }

  @Get('instances')
  @Roles(...READERS)
  searchAllInstances(@Req() req: Request, @Res() res: Response, @CurrentActor() actor: Actor) {
    return this.sendQido(req, res, actor, 'instance');
  }

  @Get('studies/:study/series')
  @Roles(...READERS)
  searchSeries(@Req() req: Request, @Res() res: Response, @CurrentActor() actor: Actor, @Param('study') study: string) {
    return this.sendQido(req, res, actor, 'series', { studyUid: study });
  }

  @Get('studies/:study/instances')
  @Roles(...READERS)
  searchStudyInstances(
    @Req() req: Request,
    @Res() res: Response,
    @CurrentActor() actor: Actor,
    @Param('study') study: string,
  ) {
    return this.sendQido(req, res, actor, 'instance', { studyUid: study });
  }

  @Get('studies/:study/series/:series/instances')
  @Roles(...READERS)
  searchInstances(
    @Req() req: Request,
    @Res() res: Response,
    @CurrentActor() actor: Actor,
    @Param('study') study: string,
    @Param('series') series: string,
  ) {
    return this.sendQido(req, res, actor, 'instance', { studyUid: study, seriesUid: series });
  }

  private async sendQido(
    req: Request,
    res: Response,
    actor: Actor,
    level: QidoLevel,
    scope?: { studyUid?: string; seriesUid?: string },
  ) {
    if (!this.wado.acceptsJson(req.headers.accept)) {
      throw new AppError('NOT_ACCEPTABLE', 'QIDO-RS results are available as application/dicom+json.');
    }
    const { results, truncated } = await this.qido.search(
      level,
      actor,
      req.query as Record<string, string | string[]>,
      this.baseUrl(req),
      scope,
    );
    if (truncated)
      res.setHeader('Warning', '299 zhiyin "The number of results exceeded the maximum; use limit and offset"');
    res.status(200).type(DICOM_JSON).send(JSON.stringify(results));
  }

  // ---- WADO-RS ----
  @Get('studies/:study')
  @Roles(...READERS)
  async retrieveStudy(
    @Req() req: Request,
    @Res() res: Response,
    @CurrentActor() actor: Actor,
    @Param('study') study: string,
  ) {
    await this.sendInstances(req, res, actor, { studyUid: study }, 'study');
  }

  @Get('studies/:study/series/:series')
  @Roles(...READERS)
  async retrieveSeries(
    @Req() req: Request,
    @Res() res: Response,
    @CurrentActor() actor: Actor,
    @Param('study') study: string,
    @Param('series') series: string,
  ) {
    await this.sendInstances(req, res, actor, { studyUid: study, seriesUid: series }, 'series');
  }

  @Get('studies/:study/series/:series/instances/:sop')
  @Roles(...READERS)
  async retrieveInstance(
    @Req() req: Request,
    @Res() res: Response,
    @CurrentActor() actor: Actor,
    @Param('study') study: string,
    @Param('series') series: string,
    @Param('sop') sop: string,
  ) {
    await this.sendInstances(req, res, actor, { studyUid: study, seriesUid: series, sopInstanceUid: sop }, 'instance');
  }

  private async sendInstances(
    req: Request,
    res: Response,
    actor: Actor,
    target: { studyUid: string; seriesUid?: string; sopInstanceUid?: string },
    what: string,
  ) {
    await this.wado.streamInstances(res, await this.wado.retrieve(actor, target, what, req.headers.accept));
  }

  @Get('studies/:study/metadata')
  @Roles(...READERS)
  async studyMetadata(
    @Req() req: Request,
    @Res() res: Response,
    @CurrentActor() actor: Actor,
    @Param('study') study: string,
  ) {
    await this.sendMetadata(req, res, await this.wado.instances(actor, { studyUid: study }, 'metadata'));
  }

  @Get('studies/:study/series/:series/metadata')
  @Roles(...READERS)
  async seriesMetadata(
    @Req() req: Request,
    @Res() res: Response,
    @CurrentActor() actor: Actor,
    @Param('study') study: string,
    @Param('series') series: string,
  ) {
    await this.sendMetadata(
      req,
      res,
      await this.wado.instances(actor, { studyUid: study, seriesUid: series }, 'metadata'),
    );
  }

  @Get('studies/:study/series/:series/instances/:sop/metadata')
  @Roles(...READERS)
  async instanceMetadata(
    @Req() req: Request,
    @Res() res: Response,
    @CurrentActor() actor: Actor,
    @Param('study') study: string,
    @Param('series') series: string,
    @Param('sop') sop: string,
  ) {
    await this.sendMetadata(
      req,
      res,
      await this.wado.instances(actor, { studyUid: study, seriesUid: series, sopInstanceUid: sop }, 'metadata'),
    );
  }

  private async sendMetadata(req: Request, res: Response, list: InstanceRef[]) {
    if (!this.wado.acceptsJson(req.headers.accept))
      throw new AppError('NOT_ACCEPTABLE', 'Metadata is available as application/dicom+json.');
    await this.wado.auditRetrieve(list, 'metadata');
    res
      .status(200)
      .type(DICOM_JSON)
      .send(JSON.stringify(this.wado.metadata(list, this.baseUrl(req))));
  }

  @Get('studies/:study/series/:series/instances/:sop/frames/:frames')
  @Roles(...READERS)
  async frames(
    @Req() req: Request,
    @Res() res: Response,
    @CurrentActor() actor: Actor,
    @Param('study') study: string,
    @Param('series') series: string,
    @Param('sop') sop: string,
    @Param('frames') frames: string,
  ) {
    const numbers = parseFrames(frames);
    const [inst] = await this.wado.instances(
      actor,
      { studyUid: study, seriesUid: series, sopInstanceUid: sop },
      'frames',
    );
    await this.wado.auditRetrieve([inst!], 'frames');
    await this.wado.frames(res, inst!, numbers, req.headers.accept);
  }

  @Get('studies/:study/series/:series/instances/:sop/rendered')
  @Roles(...READERS)
  async rendered(
    @Req() req: Request,
    @Res() res: Response,
    @CurrentActor() actor: Actor,
    @Param('study') study: string,
    @Param('series') series: string,
    @Param('sop') sop: string,
  ) {
    await this.sendRendered(req, res, actor, { study, series, sop }, 1);
  }

  @Get('studies/:study/series/:series/instances/:sop/frames/:frames/rendered')
  @Roles(...READERS)
  async renderedFrame(
    @Req() req: Request,
    @Res() res: Response,
    @CurrentActor() actor: Actor,
    @Param('study') study: string,
    @Param('series') series: string,
    @Param('sop') sop: string,
    @Param('frames') frames: string,
  ) {
    const numbers = parseFrames(frames);
    if (numbers.length !== 1) throw new AppError('BAD_REQUEST', 'Render one frame at a time.');
    await this.sendRendered(req, res, actor, { study, series, sop }, numbers[0]!);
  }

  private async sendRendered(
    req: Request,
    res: Response,
    actor: Actor,
    t: { study: string; series: string; sop: string },
    frame: number,
  ) {
    const opts = renderOptions(req);
    const [inst] = await this.wado.instances(
      actor,
      { studyUid: t.study, seriesUid: t.series, sopInstanceUid: t.sop },
      'rendered',
    );
    const out = await this.wado.rendered(inst!, frame, opts);
    await this.wado.auditRetrieve([inst!], 'rendered');
    res.status(200).type(out.type).send(out.body);
  }

  // ---- Thumbnails (PS3.18 10.4.1.2): one representative frame, small, as image/jpeg unless image/png is asked ----
  @Get('studies/:study/thumbnail')
  @Roles(...READERS)
  async studyThumbnail(
    @Req() req: Request,
    @Res() res: Response,
    @CurrentActor() actor: Actor,
    @Param('study') study: string,
  ) {
    await this.sendThumbnail(req, res, actor, { studyUid: study });
  }

  @Get('studies/:study/series/:series/thumbnail')
  @Roles(...READERS)
  async seriesThumbnail(
    @Req() req: Request,
    @Res() res: Response,
    @CurrentActor() actor: Actor,
    @Param('study') study: string,
    @Param('series') series: string,
  ) {
    await this.sendThumbnail(req, res, actor, { studyUid: study, seriesUid: series });
  }

  @Get('studies/:study/series/:series/instances/:sop/thumbnail')
  @Roles(...READERS)
  async instanceThumbnail(
    @Req() req: Request,
    @Res() res: Response,
    @CurrentActor() actor: Actor,
    @Param('study') study: string,
    @Param('series') series: string,
    @Param('sop') sop: string,
  ) {
    await this.sendThumbnail(req, res, actor, { studyUid: study, seriesUid: series, sopInstanceUid: sop });
  }

  @Get('studies/:study/series/:series/instances/:sop/frames/:frames/thumbnail')
  @Roles(...READERS)
  async frameThumbnail(
    @Req() req: Request,
    @Res() res: Response,
    @CurrentActor() actor: Actor,
    @Param('study') study: string,
    @Param('series') series: string,
    @Param('sop') sop: string,
    @Param('frames') frames: string,
  ) {
    const numbers = parseFrames(frames);
    if (numbers.length !== 1) throw new AppError('BAD_REQUEST', 'A thumbnail is of one frame.');
    await this.sendThumbnail(req, res, actor, { studyUid: study, seriesUid: series, sopInstanceUid: sop }, numbers[0]);
  }

  private async sendThumbnail(
    req: Request,
    res: Response,
    actor: Actor,
    target: { studyUid: string; seriesUid?: string; sopInstanceUid?: string },
    frame?: number,
  ) {
    const opts = renderOptions(req);
    const list = await this.wado.instances(actor, target, 'thumbnail');
    const out = await this.wado.thumbnail(list, frame, opts);
    await this.wado.auditRetrieve([out.instance], 'thumbnail');
    res.status(200).type(out.type).send(out.body);
  }

  @Get('studies/:study/series/:series/instances/:sop/bulk/*path')
  @Roles(...READERS)
  async bulk(
    @Req() req: Request,
    @Res() res: Response,
    @CurrentActor() actor: Actor,
    @Param('study') study: string,
    @Param('series') series: string,
    @Param('sop') sop: string,
    @Param('path') path: string | string[],
  ) {
    const [inst] = await this.wado.instances(
      actor,
      { studyUid: study, seriesUid: series, sopInstanceUid: sop },
      'bulk',
    );
    const data = await this.wado.bulk(inst!, Array.isArray(path) ? path.join('/') : path);
    await this.wado.auditRetrieve([inst!], 'bulk');
    const boundary = `zhiyin-bulk-${Date.now().toString(36)}`;
    if (parseAccept(req.headers.accept).some((r) => r.type === 'application/octet-stream')) {
      res.status(200).type('application/octet-stream').send(data);
      return;
    }
    res
      .status(200)
      .setHeader('Content-Type', `multipart/related; type="application/octet-stream"; boundary=${boundary}`);
    res.end(
      Buffer.concat([
        Buffer.from(`--${boundary}\r\nContent-Type: application/octet-stream\r\n\r\n`),
        data,
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]),
    );
  }
}

/** `viewport=vw,vh[,sx,sy,sw,sh]` (PS3.18 8.3.5.1.3); a flipped region (negative sw or sh) is not offered. */
function parseViewport(v: unknown): Viewport {
  const bad = () =>
    new AppError(
      'BAD_REQUEST',
      'viewport must be vw,vh or vw,vh,sx,sy,sw,sh: a width and height of 1 to 4096 pixels, then an optional region.',
      { reason: 'INVALID_VIEWPORT' },
    );
  if (typeof v !== 'string') throw bad();
  const parts = v.split(',');
  if (parts.length !== 2 && parts.length !== 6) throw bad();
  const n = parts.map((p) => (/^\d{1,6}(\.\d+)?$/.test(p.trim()) ? Number(p) : NaN));
  if (n.some((x) => Number.isNaN(x))) throw bad();
  const [width, height, left, top, w, h] = n as [number, number, number?, number?, number?, number?];
  if (width < 1 || height < 1 || width > 4096 || height > 4096) throw bad();
  const out: Viewport = { width: Math.round(width), height: Math.round(height) };
  if (parts.length === 6) {
    if (!w || !h) throw bad();
    out.region = { left: left!, top: top!, width: w, height: h };
  }
  return out;
}

function renderOptions(req: Request): RenderOptions {
  const accept = parseAccept(req.headers.accept);
  let type: RenderOptions['type'] | undefined;
  for (const r of accept) {
    if (r.type === 'image/png') type = 'image/png';
    else if (r.type === 'image/jpeg' || r.type === 'image/*' || r.type === '*/*') type = 'image/jpeg';
    if (type) break;
  }
  if (!type) throw new AppError('NOT_ACCEPTABLE', 'Rendered images are available as image/jpeg or image/png.');
  const opts: RenderOptions = { type };
  const w = req.query.window;
  if (typeof w === 'string') {
    const m = /^(-?\d+(?:\.\d+)?),(\d+(?:\.\d+)?)(?:,(linear|linear-exact|sigmoid))?$/i.exec(w);
    if (!m || Number(m[2]) < 1)
      throw new AppError('BAD_REQUEST', 'window must be center,width[,linear|linear-exact|sigmoid] with width ≥ 1.');
    opts.window = {
      center: Number(m[1]),
      width: Number(m[2]),
      fn: (m[3]?.toLowerCase().replace('-', '_') ?? 'linear') as 'linear',
    };
  }
  const v = req.query.viewport;
  if (v !== undefined) opts.viewport = parseViewport(v);
  const q = req.query.quality;
  if (typeof q === 'string') {
    if (!/^\d{1,3}$/.test(q) || Number(q) < 1 || Number(q) > 100)
      throw new AppError('BAD_REQUEST', 'quality must be 1 to 100.');
    opts.quality = Number(q);
  }
  return opts;
}

/**
 * `X-Zhiyin-Patient-Override: <reason>`: the sender confirms that files whose patient identity differs from their
 * referral's patient are this patient's all the same. A reason in Chinese is sent percent-encoded (UTF-8), as HTTP
 * header values are Latin-1.
 */
export function patientOverrideHeader(req: Request): string | undefined {
  const raw = req.headers['x-zhiyin-patient-override'];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (!value) return undefined;
  try {
    return decodeURIComponent(value);
  } catch {
    throw new AppError('BAD_REQUEST', 'X-Zhiyin-Patient-Override must be plain text or percent-encoded UTF-8.', {
      reason: 'INVALID_OVERRIDE',
    });
  }
}
