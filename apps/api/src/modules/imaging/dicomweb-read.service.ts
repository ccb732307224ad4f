import { Injectable } from '@nestjs/common';
import { AppError } from '#src/common/errors.js';
import type { Actor } from '#src/common/request-context.js';
import { jsonAnswer, type BodyAnswer, type DicomwebAnswer, type DicomwebInput } from './dicomweb-answer.js';
import { parseFrames, renderOptions } from './dicomweb-params.js';
import type { StudyTarget } from './imaging.repository.js';
import { QidoService, type QidoLevel } from './qido.service.js';
import { parseAccept, WadoService } from './wado.service.js';

/**
 * The DICOMweb reads (PS3.18 QIDO-RS and WADO-RS) as use cases: each finds what the caller may see (404 outside
 * their scope, audited), checks what the Accept header allows, audits the read and gives the answer as a plain
 * value for the adapter to write. The order of the checks is the answer a client gets when several fail.
 */
@Injectable()
export class DicomwebReadService {
  constructor(
    private readonly qido: QidoService,
    private readonly wado: WadoService,
  ) {}

  async search(
    actor: Actor,
    input: DicomwebInput,
    level: QidoLevel,
    scope?: { studyUid?: string; seriesUid?: string },
  ): Promise<BodyAnswer> {
    if (!this.wado.acceptsJson(input.accept))
      throw new AppError('NOT_ACCEPTABLE', 'QIDO-RS results are available as application/dicom+json.');
    const { results, truncated } = await this.qido.search(level, actor, input.query, input.baseUrl, scope);
    return jsonAnswer(
      200,
      results,
      truncated
        ? { Warning: '299 zhiyin "The number of results exceeded the maximum; use limit and offset"' }
        : undefined,
    );
  }

  /** Whole studies, series or one instance as stored (multipart/related; type="application/dicom"). */
  async retrieve(actor: Actor, input: DicomwebInput, t: StudyTarget, what: string): Promise<DicomwebAnswer> {
    return this.wado.instancesAnswer(await this.wado.retrieve(actor, t, what, input.accept));
  }

  async metadata(actor: Actor, input: DicomwebInput, t: StudyTarget): Promise<BodyAnswer> {
    const list = await this.wado.instances(actor, t, 'metadata');
    if (!this.wado.acceptsJson(input.accept))
      throw new AppError('NOT_ACCEPTABLE', 'Metadata is available as application/dicom+json.');
    await this.wado.auditRetrieve(list, 'metadata');
    return jsonAnswer(200, this.wado.metadata(list, input.baseUrl));
  }

  async frames(actor: Actor, input: DicomwebInput, t: Required<StudyTarget>, frames: string): Promise<DicomwebAnswer> {
    const numbers = parseFrames(frames);
    const [inst] = await this.wado.instances(actor, t, 'frames');
    await this.wado.auditRetrieve([inst!], 'frames');
    return this.wado.framesAnswer(inst!, numbers, input.accept);
  }

  /** One frame rendered (`frames` undefined: the first); a list of frames is refused. */
  async rendered(actor: Actor, input: DicomwebInput, t: Required<StudyTarget>, frames?: string): Promise<BodyAnswer> {
    const frame = oneFrame(frames, 'Render one frame at a time.');
    const opts = renderOptions(input);
    const [inst] = await this.wado.instances(actor, t, 'rendered');
    const out = await this.wado.rendered(inst!, frame ?? 1, opts);
    await this.wado.auditRetrieve([inst!], 'rendered');
    return { kind: 'body', status: 200, type: out.type, body: out.body };
  }

  async thumbnail(actor: Actor, input: DicomwebInput, t: StudyTarget, frames?: string): Promise<BodyAnswer> {
    const frame = oneFrame(frames, 'A thumbnail is of one frame.');
    const opts = renderOptions(input);
    const list = await this.wado.instances(actor, t, 'thumbnail');
    const out = await this.wado.thumbnail(list, frame, opts);
    await this.wado.auditRetrieve([out.instance], 'thumbnail');
    return { kind: 'body', status: 200, type: out.type, body: out.body };
  }

  /** One bulk data value (a BulkDataURI of the metadata), bare when asked for so, else as a one-part multipart. */
  async bulk(actor: Actor, input: DicomwebInput, t: Required<StudyTarget>, path: string): Promise<BodyAnswer> {
    const [inst] = await this.wado.instances(actor, t, 'bulk');
    const data = await this.wado.bulk(inst!, path);
    await this.wado.auditRetrieve([inst!], 'bulk');
    if (parseAccept(input.accept).some((r) => r.type === 'application/octet-stream'))
      return { kind: 'body', status: 200, type: 'application/octet-stream', body: data };
    const boundary = `zhiyin-bulk-${Date.now().toString(36)}`;
    return {
      kind: 'body',
      status: 200,
      type: `multipart/related; type="application/octet-stream"; boundary=${boundary}`,
      body: Buffer.concat([
        Buffer.from(`--${boundary}\r\nContent-Type: application/octet-stream\r\n\r\n`),
        data,
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]),
    };
  }
}

function oneFrame(frames: string | undefined, refusal: string): number | undefined {
  if (frames === undefined) return undefined;
  const numbers = parseFrames(frames);
  if (numbers.length !== 1) throw new AppError('BAD_REQUEST', refusal);
  return numbers[0];
}
