import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HubClient } from './hub-client.js';
import { DurableQueue } from './queue.js';
import { startStatusPage } from './status-page.js';
import type { WorklistCache } from './worklist-cache.js';

// The status page on a real HTTP server over a real queue on disk: a failed item is sent again from the page's own
// button, and from nowhere else (the page has no sign-in: another web page or a rebound DNS name must not post it).
describe('the gateway status page', () => {
  let dir: string;
  let server: Server;
  let port: number;
  let queue: DurableQueue;
  let failedId: string;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'zhiyin-gws-'));
    queue = new DurableQueue(dir, 1 << 20);
    await queue.open();
    const temp = queue.tempPath();
    writeFileSync(temp, Buffer.alloc(100, 1));
    const item = await queue.add(temp, { label: 'ecg.pdf', source: 'folder', size: 100 });
    await queue.update(item, { state: 'failed', attempts: 3, reason: 'NOT_DICOM' });
    failedId = item.id;
    const hub = { hubUrl: 'http://hub.invalid', link: { state: 'up', since: '' } } as unknown as HubClient;
    const worklist = { all: () => [], fetchedAt: undefined, lastError: undefined } as unknown as WorklistCache;
    ({ server, port } = await startStatusPage('127.0.0.1', 0, { queue, hub, worklist, watch: undefined }));
  });
  afterEach(async () => {
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  const retry = (headers: Record<string, string>, id = failedId) =>
    fetch(`http://127.0.0.1:${port}/items/${id}/retry`, { method: 'POST', headers, redirect: 'manual' });
  const state = () => queue.list().find((i) => i.id === failedId)!;

  it('offers a failed item to be sent again, and queues it afresh from the page itself', async () => {
    const page = await (await fetch(`http://127.0.0.1:${port}/`)).text();
    expect(page).toContain(`<form method="post" action="/items/${failedId}/retry">`);
    const res = await retry({ origin: `http://127.0.0.1:${port}` });
    expect({ status: res.status, location: res.headers.get('location') }).toEqual({ status: 303, location: '/' });
    expect(state()).toMatchObject({ state: 'queued', attempts: 0 });
    expect(state().reason).toBeUndefined();
    // a queued item is not "failed": asked again, nothing to do
    expect((await retry({ origin: `http://127.0.0.1:${port}` })).status).toBe(404);
  });

  it('refuses the same request from any other page, or under another host name, and changes nothing', async () => {
    expect((await retry({})).status).toBe(403);
    expect((await retry({ origin: 'http://evil.example' })).status).toBe(403);
    expect((await retry({ origin: 'http://evil.example', host: 'evil.example' })).status).toBe(403);
    expect(state()).toMatchObject({ state: 'failed', attempts: 3, reason: 'NOT_DICOM' });
    // a GET (a link, an image tag) changes nothing
    expect((await fetch(`http://127.0.0.1:${port}/items/${failedId}/retry`)).status).toBe(404);
  });
});
