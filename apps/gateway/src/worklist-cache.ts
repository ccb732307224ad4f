import type { ScheduledStep } from '@zhiyin/dimse';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeAtomic } from './durable-file.js';
import type { HubClient } from './hub-client.js';

/**
 * The centre's worklist, fetched from the hub every GATEWAY_WORKLIST_INTERVAL_MS and kept on disk (only the gateway's
 * own user may read its data folder), so that the modalities are answered also while the link is down or the gateway
 * restarted without it.
 */
export class WorklistCache {
  private steps: ScheduledStep[] = [];
  // Every referral number seen on the list, kept after its step leaves it (its first study arrived), so that a cart's
  // second file for the same referral (an aECG, then its PDF) still finds it; the hub checks it may still take files.
  private known: Record<string, string> = {};
  fetchedAt: string | undefined;
  lastError: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly path: string;

  constructor(
    dataDir: string,
    private readonly hub: HubClient,
  ) {
    this.path = join(dataDir, 'worklist.json');
  }

  async open(intervalMs: number): Promise<void> {
    try {
      const saved = JSON.parse(await readFile(this.path, 'utf8')) as {
        fetchedAt: string;
        steps: ScheduledStep[];
        known?: Record<string, string>;
      };
      this.steps = saved.steps;
      this.known = saved.known ?? {};
      this.fetchedAt = saved.fetchedAt;
    } catch {
      /* none yet */
    }
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async refresh(): Promise<void> {
    try {
      const steps = (await this.hub.worklist()) as ScheduledStep[];
      const fetchedAt = new Date().toISOString();
      const known = { ...this.known };
      for (const st of steps) known[st.number] = st.referralId;
      await writeAtomic(this.path, JSON.stringify({ fetchedAt, steps, known }));
      this.known = known;
      this.steps = steps;
      this.fetchedAt = fetchedAt;
      this.lastError = undefined;
    } catch (e) {
      this.lastError = (e as { code?: string }).code ?? 'HUB_UNREACHABLE';
    }
  }

  all(): ScheduledStep[] {
    return this.steps;
  }

  referralIdOf(number: string): string | undefined {
    return this.steps.find((s) => s.number === number)?.referralId ?? this.known[number];
  }
}
