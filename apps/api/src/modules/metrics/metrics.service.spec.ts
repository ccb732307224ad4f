import type { RealtimeGateway } from '#src/modules/realtime/realtime.gateway.js';
import type { MetricsRepository } from './metrics.repository.js';
import { MetricsService } from './metrics.service.js';
import type { SweeperRun, SweeperStats } from './sweeper-stats.js';

// The parts of the metrics that need no database: the sweeper's findings when a sweeper is
// provided, and label values that are only ever codes.
const mocks = {
  repo: {
    queues: () => Promise.resolve([]),
    timers: () => Promise.resolve([]),
    outbox: () => Promise.resolve({ undelivered: 0, oldestSeconds: 0 }),
    pool: () => null,
  } as unknown as MetricsRepository,
  gateway: {} as RealtimeGateway,
  clock: { now: () => new Date('2026-03-01T08:00:00Z') },
};

class FakeSweeper implements SweeperStats {
  run: SweeperRun | null = null;
  lastRun() {
    return this.run;
  }
}

describe('MetricsService', () => {
  it('has no sweeper families when no sweeper is provided', async () => {
    const sut = new MetricsService(mocks.repo, mocks.gateway, mocks.clock);
    const { body } = await sut.render();
    expect(body).not.toContain('zhiyin_sweeper_');
  });

  it("reports the sweeper's last run when one is provided", async () => {
    const sweeper = new FakeSweeper();
    const sut = new MetricsService(mocks.repo, mocks.gateway, mocks.clock, sweeper);
    await expect(sut.render()).resolves.toMatchObject({
      body: expect.stringContaining('zhiyin_sweeper_last_run_timestamp_seconds 0'),
    });
    sweeper.run = { at: new Date('2026-03-01T07:59:00Z'), filesRemoved: 440, bytesRemoved: 200_000_000 };
    const { body } = await sut.render();
    expect(body).toContain(`zhiyin_sweeper_last_run_timestamp_seconds ${Date.parse('2026-03-01T07:59:00Z') / 1000}`);
    expect(body).toContain('zhiyin_sweeper_last_run_files_removed 440');
    expect(body).toContain('zhiyin_sweeper_last_run_bytes_removed 200000000');
  });

  it('labels refusals with their stable code only, never free text from a response', async () => {
    const sut = new MetricsService(mocks.repo, mocks.gateway, mocks.clock);
    const failed = (comment: string) => ({ '00000902': { vr: 'LO', Value: [comment] } });
    sut.observeStowResult('stow', {
      '00081198': { vr: 'SQ', Value: [failed('NOT_DICOM: The part is not DICOM.'), failed('张伟 1960-01-01')] },
    });
    const { body } = await sut.render();
    expect(body).toContain('zhiyin_stow_refusals_total{via="stow",code="NOT_DICOM"} 1');
    expect(body).toContain('zhiyin_stow_refusals_total{via="stow",code="OTHER"} 1');
    expect(body).not.toContain('张伟');
  });
});
