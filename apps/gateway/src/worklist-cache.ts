import type { GatewayWorklistView } from '@zhiyin/contracts';
import type { Charset, ScheduledStep } from '@zhiyin/dimse';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeAtomic } from './durable-file.js';
import type { HubClient } from './hub-client.js';

/** A modality AE of the centre registered at the hub, and the character set its worklist is answered in. */
export type CentreAe = GatewayWorklistView['aes'][number];

/**
 * The centre's worklist, fetched from the hub every GATEWAY_WORKLIST_INTERVAL_MS and kept on disk (only the gateway's
 * own user may read its data folder), so that the modalities are answered also while the link is down or the gateway
 * restarted without it.
 */
export class WorklistCache {
  private steps: ScheduledStep[] = [];
  private aes: CentreAe[] = [];
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
        aes?: CentreAe[];
      };
      this.steps = saved.steps;
      this.aes = saved.aes ?? [];
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
      const list = await this.hub.worklist();
      const steps = list.items;
      const aes = list.aes;
      const fetchedAt = new Date().toISOString();
      const known = { ...this.known };
      for (const st of steps) known[st.number] = st.referralId;
      await writeAtomic(this.path, JSON.stringify({ fetchedAt, steps, known, aes }));
      this.known = known;
      this.aes = aes;
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

  /** The character set a calling AE's worklist is answered in: as the hub's register says, UTF-8 otherwise. */
  characterSetOf(aeTitle: string): Charset {
    return this.aes.find((a) => a.aeTitle === aeTitle)?.characterSet === 'GB18030' ? 'GB18030' : 'ISO_IR 192';
  }

  referralIdOf(number: string): string | undefined {
    return this.steps.find((s) => s.number === number)?.referralId ?? this.known[number];
  }
}
