import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Logger } from 'pino';
import { AppError, type ErrorCode } from '#src/common/errors.js';
import { requestContext } from '#src/common/request-context.js';
import { errorCodeOf, isDatabaseUnavailable } from './database-unavailable.js';

interface HttpResponse {
  status(code: number): HttpResponse;
  setHeader(name: string, value: string): void;
  json(body: unknown): void;
  headersSent: boolean;
  end(): void;
}

const STATUS_CODE: Record<number, ErrorCode> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  406: 'NOT_ACCEPTABLE',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'TOO_MANY_ATTEMPTS',
  503: 'SERVICE_UNAVAILABLE',
};

/** Seconds a client should wait before retrying while the database cannot be reached. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

// One place turns every error into `{ error: { code, message, requestId } }`. Unknown errors
// are logged by type, code and stack frames only (never their message: a database error's
// message quotes the value that failed, which may be a name), and answered with a generic 500.
// An unreachable database is a 503 with Retry-After: nothing was done, try again shortly.
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') return;
    const res = host.switchToHttp().getResponse<HttpResponse>();
    const requestId = requestContext.get()?.requestId;
    let status = 500;
    let code: ErrorCode = 'INTERNAL';
    let message = 'Something went wrong on our side. Try again; if it keeps happening, tell the administrator.';
    let details: Record<string, unknown> | undefined;
    if (exception instanceof AppError) {
      ({ status, code, message, details } = exception);
      for (const [k, v] of Object.entries(exception.headers ?? {})) res.setHeader(k, v);
    } else if (exception instanceof HttpException) {
      status = exception.getStatus();
      code = STATUS_CODE[status] ?? (status >= 500 ? 'INTERNAL' : 'BAD_REQUEST');
      const body = exception.getResponse();
      if (
        status === 400 &&
        typeof body === 'object' &&
        body &&
        Array.isArray((body as { message?: unknown }).message)
      ) {
        code = 'VALIDATION_FAILED';
        message = 'Some fields are not valid.';
        details = { fields: (body as { message: string[] }).message };
      } else if (isBodyParserError(exception.cause) && exception.cause.type === 'entity.too.deep') {
        // The body parser's errors reach the filter wrapped by the HTTP adapter.
        code = 'JSON_TOO_DEEP';
        message = exception.cause.message;
      } else if (status === 404) {
        message = 'Not found.';
      } else if (status === 413) {
        message = 'The request body is larger than allowed.';
      } else {
        message = typeof body === 'string' ? body : ((body as { message?: string }).message ?? exception.message);
      }
    } else if (isBodyParserError(exception)) {
      status = exception.status;
      code = STATUS_CODE[status] ?? 'BAD_REQUEST';
      message = status === 413 ? 'The request body is larger than allowed.' : 'The request body could not be read.';
    } else if (isDatabaseUnavailable(exception)) {
      status = 503;
      code = 'DATABASE_UNAVAILABLE';
      message = 'The database cannot be reached just now; nothing was changed. Try again in a moment.';
      res.setHeader('Retry-After', String(DATABASE_RETRY_AFTER_SECONDS));
      this.logger.warn(
        { requestId, errType: (exception as Error)?.name, errCode: errorCodeOf(exception) },
        'database unavailable',
      );
    }
    if (status >= 500 && code !== 'DATABASE_UNAVAILABLE') {
      const err = exception as Error;
      this.logger.error(
        { requestId, errType: err?.name, errCode: errorCodeOf(exception), stack: stackFrames(err) },
        'unhandled error',
      );
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(status).json({ error: { code, message, ...(details ? { details } : {}), requestId } });
  }
}

/** The "at …" lines of a stack, without the message line(s) above them, which can quote input. */
export function stackFrames(err: unknown): string | undefined {
  const stack = (err as { stack?: unknown } | null)?.stack;
  if (typeof stack !== 'string') return undefined;
  return stack
    .split('\n')
    .filter((line) => /^\s+at /.test(line))
    .join('\n');
}

function isBodyParserError(e: unknown): e is { status: number; type: string; message: string } {
  return typeof e === 'object' && e !== null && typeof (e as { status?: unknown }).status === 'number' && 'type' in e;
}
