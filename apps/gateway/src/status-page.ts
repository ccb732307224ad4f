import { createServer, type Server } from 'node:http';
import type { HubClient } from './hub-client.js';
import type { DurableQueue, ItemState } from './queue.js';
import type { WatchFolder } from './watch-folder.js';
import type { WorklistCache } from './worklist-cache.js';

export interface StatusSources {
  queue: DurableQueue;
  hub: HubClient;
  worklist: WorklistCache;
  watch: WatchFolder | undefined;
}

/** What the status page and /status.json show: counts, the hub link and the items (ids, states, reasons). */
export function statusOf(s: StatusSources) {
  const items = s.queue.list();
  const counts: Record<ItemState, number> = { queued: 0, sending: 0, sent: 0, failed: 0 };
  for (const i of items) counts[i.state]++;
  return {
    hub: { url: s.hub.hubUrl, link: s.hub.link },
    queue: {
      counts,
      pendingBytes: s.queue.pendingBytes(),
      maxBytes: s.queue.maxBytes,
      waitingInFolder: s.watch?.waiting ?? 0,
    },
    worklist: {
      steps: s.worklist.all().length,
      fetchedAt: s.worklist.fetchedAt ?? null,
      lastError: s.worklist.lastError ?? null,
    },
    items: items
      .slice()
      .reverse()
      .slice(0, 200)
      .map((i) => ({
        id: i.id,
        label: i.label,
        source: i.source,
        size: i.size,
        encoding: i.encoding ?? null,
        sentBytes: i.sendSize ?? null,
        state: i.state,
        attempts: i.attempts,
        reason: i.reason ?? null,
        updatedAt: i.updatedAt,
      })),
  };
}

const STATE_LABEL: Record<ItemState, string> = {
  queued: '排队中 Queued',
  sending: '发送中 Sending',
  sent: '已送达 Sent',
  failed: '失败 Failed',
};
const LINK_LABEL = { unknown: '未知 Unknown', up: '已连接 Connected', down: '已断开 Down' } as const;

const esc = (s: string | number | null | undefined) =>
  String(s ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

function html(s: ReturnType<typeof statusOf>): string {
  const rows = s.items
    .map(
      (i) =>
        `<tr class="${i.state}"><td>${esc(STATE_LABEL[i.state])}</td><td>${esc(i.label)}</td><td>${esc(i.source === 'dimse' ? 'DICOM' : '文件夹 Folder')}</td><td>${esc(i.size)}</td><td>${esc(i.attempts)}</td><td>${esc(i.reason ?? '')}</td><td>${esc(i.updatedAt)}</td><td>${i.state === 'failed' ? `<form method="post" action="/items/${esc(i.id)}/retry"><button type="submit">重新发送 Send again</button></form>` : ''}</td></tr>`,
    )
    .join('');
  const c = s.queue.counts;
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">
<title>知音网关状态 Zhiyin gateway status</title>
<style>body{font-family:sans-serif;margin:1.5rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem}
.failed{background:#fde2e2}.sent{color:#666}</style></head><body>
<h1>知音网关 <small>Zhiyin gateway</small></h1>
<p>中心端链路 Hub link: <strong id="link">${esc(LINK_LABEL[s.hub.link.state])}</strong> (${esc(s.hub.link.since)})${s.hub.link.error ? ` — ${esc(s.hub.link.error)}` : ''}</p>
<p>排队中 Queued: <strong>${c.queued}</strong> · 发送中 Sending: <strong>${c.sending}</strong> · 已送达 Sent: <strong>${c.sent}</strong> · 失败 Failed: <strong>${c.failed}</strong>
 · 队列 Queue: ${esc(s.queue.pendingBytes)} / ${esc(s.queue.maxBytes)} 字节 bytes${s.queue.waitingInFolder ? ` · 文件夹等待 waiting in folder: ${s.queue.waitingInFolder}` : ''}</p>
<p>工作列表 Worklist: ${s.worklist.steps} 项 steps, 更新于 updated ${esc(s.worklist.fetchedAt ?? '—')}</p>
<table><thead><tr><th>状态 State</th><th>项目 Item</th><th>来源 Source</th><th>字节 Bytes</th><th>尝试 Attempts</th><th>原因 Reason</th><th>更新 Updated</th><th></th></tr></thead>
<tbody>${rows}</tbody></table>
<p>失败的项目可在处理原因后（如补建转诊单）重新发送。Failed items can be sent again once their reason is dealt with (e.g. the referral made).</p></body></html>`;
}

/** The status page (loopback by default: GATEWAY_HTTP_HOST) with / in Chinese and English and /status.json. */
export async function startStatusPage(
  host: string,
  port: number,
  sources: StatusSources,
): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const retry = /^\/items\/([0-9a-f-]{36})\/retry$/.exec(path);
    if (req.method === 'POST' && retry) {
      // The page has no sign-in (it is on the centre's own machine): a change is taken only from the page itself —
      // the Host one of the page's own addresses (not a rebound DNS name) and the Origin that same page — so that
      // no other web page a user has open can post it.
      const port = (server.address() as { port?: number } | null)?.port;
      const own = new Set([`${host}:${port}`, `127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
      const hostHeader = req.headers.host ?? '';
      if (!own.has(hostHeader) || req.headers.origin !== `http://${hostHeader}`) {
        res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' }).end('Only from the status page itself.');
        return;
      }
      req.resume();
      void sources.queue.retry(retry[1]!).then(
        (ok) => res.writeHead(ok ? 303 : 404, ok ? { location: '/' } : {}).end(),
        () => res.writeHead(500).end(),
      );
      return;
    }
    if (req.method !== 'GET') {
      res.writeHead(405).end();
      return;
    }
    if (path === '/status.json') {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end(JSON.stringify(statusOf(sources)));
    } else if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(html(statusOf(sources)));
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const a = server.address();
  return { server, port: a && typeof a === 'object' ? a.port : port };
}
