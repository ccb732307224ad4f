import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AppError } from '#src/common/errors.js';
import { setRouteTemplate } from '#src/common/logging/request-log.js';
import { PublicUrl } from '#src/common/public-url.js';
import type { AnswerChunk, DicomwebAnswer, DicomwebInput, StowBody, StreamAnswer } from './dicomweb-answer.js';
import { closeAfterAnswer } from './lingering-close.js';

// Up to this much of a streamed answer may wait in the response's buffer, so that the connection never runs dry
// between two files; past it the sender waits for the client.
const SEND_AHEAD_BYTES = 4 * 1024 * 1024;

/**
 * The one place where DICOMweb meets HTTP: requests become plain values (DicomwebInput, StowBody) and the services'
 * answers (DicomwebAnswer) are written out, with back-pressure for the streamed ones.
 */
@Injectable()
export class DicomwebAdapter {
  constructor(private readonly publicUrl: PublicUrl) {}

  /** The request as the services read it; `template` names the route in the request log and the metrics. */
  input(req: Request, template?: string): DicomwebInput {
    if (template) setRouteTemplate(req, template);
    return {
      accept: req.headers.accept,
      query: req.query as Record<string, string | string[]>,
      // The root of the URLs written into answers: the configured public URL, never the client's Host header.
      baseUrl: `${this.publicUrl.origin(req)}/dicomweb`,
    };
  }

  /** A STOW-RS body: read as it arrives, and left open when the service stops early (the answer goes out first). */
  stowBody(req: Request): StowBody {
    return {
      contentType: req.headers['content-type'],
      contentEncoding: req.headers['content-encoding'],
      contentLength: Number(req.headers['content-length'] ?? NaN),
      chunks: { [Symbol.asyncIterator]: () => req.iterator({ destroyOnReturn: false })[Symbol.asyncIterator]() },
    };
  }

  /**
   * Runs an upload's work; a refusal that asks for the connection to close (a body refused halfway, RFC 9112 §9.6)
   * closes it in stages after the answer, so that a client still sending reads why rather than a reset.
   */
  async receiving<T>(req: Request, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (err instanceof AppError && err.headers?.Connection === 'close') closeAfterAnswer(req);
      throw err;
    }
  }

  /** Aborts when the client goes away before its answer is written. */
  gone(res: Response): AbortSignal {
    const ctrl = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) ctrl.abort();
    });
    return ctrl.signal;
  }

  async send(req: Request, res: Response, answer: DicomwebAnswer): Promise<void> {
    if (answer.kind === 'stream') return this.stream(res, answer);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      // An answer to a POST: no ETag or freshness checks, so written directly.
      const body = typeof answer.body === 'string' ? Buffer.from(answer.body) : answer.body;
      res.writeHead(answer.status, {
        ...answer.headers,
        'Content-Type': answer.type,
        'Content-Length': String(body.length),
      });
      res.end(body);
      return;
    }
    res.status(answer.status);
    if (answer.headers) res.set(answer.headers);
    res.type(answer.type).send(answer.body);
  }

  private async stream(res: Response, answer: StreamAnswer): Promise<void> {
    const c = answer.chunks;
    const it: AsyncIterator<AnswerChunk> | Iterator<AnswerChunk> =
      Symbol.asyncIterator in c ? c[Symbol.asyncIterator]() : c[Symbol.iterator]();
    // The first piece is made before the status line, so that its failure is still an error answer.
    let next = await it.next();
    try {
      res.statusCode = 200;
      res.setHeader('Content-Type', answer.type);
      if (answer.length !== undefined) res.setHeader('Content-Length', String(answer.length));
      // Corked, a part's head and data and, at the end, the closing boundary go out in one write.
      res.cork();
      while (!next.done) {
        if (res.destroyed) return;
        const { data, sent, partEnd } = next.value;
        res.write(data, sent ? (err) => err || sent() : undefined);
        if (partEnd) {
          res.uncork();
          if (res.writableLength > SEND_AHEAD_BYTES && !(await drained(res))) return;
          if (res.destroyed) return;
          res.cork();
        }
        next = await it.next();
      }
      res.end();
    } finally {
      // a client that went away stops the producer (its reads and decodes) too
      if (!next.done) await it.return?.();
    }
  }
}

/** Resolves true when the response can take more, false when the client has gone. */
function drained(res: Response): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    res.once('drain', onDrain);
    res.once('close', onClose);
  });
}
