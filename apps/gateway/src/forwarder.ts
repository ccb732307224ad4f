import { HubRefusal, ingestOutcome, type HubClient } from './hub-client.js';
import type { DurableQueue, QueueItem } from './queue.js';
import { prepareTransport } from './transport.js';
import type { WorklistCache } from './worklist-cache.js';

/** The wait before the n-th retry: exponential, capped, with full jitter (so that centres do not retry in step). */
export function backoff(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * Sends the queue to the hub over tus, a few items at a time: each item's upload is created once (its URL kept in the
 * journal) and continued from the hub's offset after a cut, a restart or a kill. A network error or a 5xx is retried
 * with backoff; a refusal the hub means (a file it cannot take) marks the item failed with the reason. The hub treats
 * an instance it already has with the same bytes as stored, so a file re-sent after a lost answer is no duplicate.
 */
export class Forwarder {
  private running = false;
  private wake: (() => void) | undefined;
  private readonly workers: Promise<void>[] = [];

  constructor(
    private readonly queue: DurableQueue,
    private readonly hub: HubClient,
    private readonly worklist: WorklistCache,
    private readonly opts: { concurrency: number; retryBaseMs: number; retryMaxMs: number },
  ) {
    queue.onAdded(() => this.wake?.());
  }

  start(): void {
    this.running = true;
    for (let i = 0; i < this.opts.concurrency; i++) this.workers.push(this.work());
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await Promise.all(this.workers);
  }

  private async work(): Promise<void> {
    while (this.running) {
      const item = await this.queue.take();
      if (!item) {
        const due = this.queue.nextDue();
        await this.sleep(due === undefined ? 5_000 : Math.max(50, due - Date.now()));
        continue;
      }
      await this.forward(item);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.min(ms, 5_000));
      const previous = this.wake;
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        done();
        previous?.();
      };
    });
  }

  async forward(item: QueueItem): Promise<void> {
    try {
      const path = this.queue.payloadPath(item.id);
      let offset = 0;
      if (item.uploadUrl) {
        const known = await this.hub.offsetOf(item.uploadUrl);
        if (known === undefined) {
          // The hub no longer has this upload (it finished it before its answer was lost, or it expired): sent
          // again whole; an instance already stored with the same bytes is answered as stored.
          await this.queue.update(item, { uploadUrl: undefined });
        } else offset = known;
      }
      if (!item.uploadUrl) {
        if (!item.sha256 || !item.encoding) {
          const prepared = await prepareTransport(path, item.size);
          await this.queue.update(item, {
            sha256: prepared.sha256,
            encoding: prepared.encoding,
            sendSize: prepared.sendSize,
          });
        }
        const metadata: Record<string, string> = {
          filename: item.fileName ?? `${item.label}.dcm`,
          sha256: item.sha256!,
          encoding: item.encoding!,
        };
        if (item.referralNumber) {
          const referralId = this.worklist.referralIdOf(item.referralNumber);
          if (!referralId) throw new HubRefusal(404, 'REFERRAL_NOT_IN_WORKLIST', false);
          metadata.referral = referralId;
        }
        const url = await this.hub.createUpload(item.sendSize ?? item.size, metadata);
        await this.queue.update(item, { uploadUrl: url });
        offset = 0;
      }
      const sendPath = item.encoding === 'deflate' ? `${path}.z` : path;
      const answer = await this.hub.send(item.uploadUrl!, sendPath, offset, item.sendSize ?? item.size);
      if (answer.status === 204) {
        // every byte is there but no final answer came: asked again on the next attempt (HEAD)
        throw new HubRefusal(204, 'NO_ANSWER', false);
      }
      if (answer.status === 401 || answer.status === 409 || answer.status === 404 || answer.status >= 500) {
        if (answer.status === 401) this.hub.dropToken();
        throw new HubRefusal(answer.status, `HTTP_${answer.status}`, false);
      }
      const outcome = ingestOutcome(answer.status, answer.body);
      // the bytes the hub put together are not the file (a link that corrupted them): sent again, whole
      if (!outcome.ok && outcome.code === 'CHECKSUM_MISMATCH') {
        await this.queue.update(item, { uploadUrl: undefined });
        throw new HubRefusal(answer.status, outcome.code, false);
      }
      if (outcome.ok) await this.queue.sent(item);
      else await this.queue.update(item, { state: 'failed', reason: outcome.code, uploadUrl: undefined });
    } catch (e) {
      if (e instanceof HubRefusal && e.permanent) {
        await this.queue.update(item, { state: 'failed', reason: e.code, uploadUrl: undefined });
        return;
      }
      // stopped by the gateway's own stop: queued again as it was, not an attempt that failed
      if (this.hub.closed) {
        await this.queue.update(item, { state: 'queued' });
        return;
      }
      const attempts = item.attempts + 1;
      const reason = e instanceof HubRefusal ? e.code : 'HUB_UNREACHABLE';
      await this.queue.update(item, {
        state: 'queued',
        attempts,
        reason,
        nextAttemptAt: Date.now() + backoff(attempts, this.opts.retryBaseMs, this.opts.retryMaxMs),
      });
    }
  }
}
