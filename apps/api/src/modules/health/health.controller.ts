import { Controller, Get, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Public } from '#src/common/decorators.js';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** 200 when the API and its database answer; 503 otherwise. */
  @Get()
  @Public()
  async health(@Res({ passthrough: true }) res: { status(code: number): void }) {
    const started = performance.now();
    try {
      await this.ds.query('SELECT 1');
      return { status: 'ok', database: 'up', databaseLatencyMs: Math.round(performance.now() - started) };
    } catch {
      res.status(503);
      return { status: 'unavailable', database: 'down' };
    }
  }
}
