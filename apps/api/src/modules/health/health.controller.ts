import { Controller, Get, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Public } from '#src/common/decorators.js';
import { ApiView } from '#src/common/openapi/api-view.decorator.js';
import { HealthRepository } from './health.repository.js';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly repo: HealthRepository) {}

  /** 200 when the API and its database answer; 503 otherwise. */
  @Get()
  @Public()
  @ApiView('HealthView')
  @ApiView('HealthView', { status: 503 })
  async health(@Res({ passthrough: true }) res: { status(code: number): void }) {
    const started = performance.now();
    try {
      await this.repo.ping();
      return { status: 'ok', database: 'up', databaseLatencyMs: Math.round(performance.now() - started) };
    } catch {
      res.status(503);
      return { status: 'unavailable', database: 'down' };
    }
  }
}
