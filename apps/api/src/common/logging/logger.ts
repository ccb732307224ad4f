import type { LoggerService } from '@nestjs/common';
import { pino, type Logger } from 'pino';

// Structured JSON logs. Log only ids, codes and route templates: never names, birth dates,
// national IDs, query strings, bodies or tokens. Redaction is a second line of defence.
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'zhiyin-api' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        '*.password',
        '*.token',
        '*.accessToken',
        '*.refreshToken',
        '*.nationalId',
        '*.name',
        '*.birthDate',
        '*.code',
      ],
      censor: '[redacted]',
    },
  });
}

/** Routes Nest's own log lines into the JSON logger. */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}
  // Nest's start-up chatter (every mapped route) is debug detail, not an operational event.
  log(message: unknown, context?: string) {
    this.logger.debug({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string) {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string) {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string) {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string) {
    this.logger.trace({ context }, String(message));
  }
}

export const LOGGER = Symbol('LOGGER');
