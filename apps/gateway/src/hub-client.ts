import type { GatewayWorklistView, ServiceTokenView } from '@zhiyin/contracts';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';

/** The hub answered, but not with success: `permanent` when sending again cannot help. */
export class HubRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly permanent: boolean,
  ) {
    super(`${status} ${code}`);
  }
}

const TUS = { 'Tus-Resumable': '1.0.0' };

/** What the hub's ingest answered for a finished upload (DICOM JSON), reduced to success or the failure reason. */
export function ingestOutcome(status: number, body: string): { ok: true } | { ok: false; code: string } {
  let json: Record<string, { Value?: unknown[] }> & { error?: { code?: string } } = {};
  try {
    json = body ? (JSON.parse(body) as typeof json) : {};
  } catch {
    /* not JSON */
  }
  if (json.error) return { ok: false, code: json.error.code ?? `HTTP_${status}` };
  const failed = json['00081198']?.Value as Record<string, { Value?: unknown[] }>[] | undefined;
  if (failed && failed.length > 0) {
    const reason = failed[0]?.['00081197']?.Value?.[0];
    return {
      ok: false,
      code: `DICOM_FAILURE_${typeof reason === 'number' ? reason.toString(16).toUpperCase() : 'UNKNOWN'}`,
    };
  }
  if (status >= 200 && status < 300) return { ok: true };
  return { ok: false, code: `HTTP_${status}` };
}

/**
 * The gateway's client of the hub: the service account's token (asked for with the credential, asked again before
 * it runs out or when refused) and tus 1.0 uploads over fetch, resumed from the offset the hub has.
 */
export class HubClient {
  private token: { value: string; renewAt: number } | undefined;
  private pending: Promise<string> | undefined;
  /** the last outcome of talking to the hub, for the status page */
  link: { state: 'unknown' | 'up' | 'down'; since: string; error?: string } = {
    state: 'unknown',
    since: new Date().toISOString(),
  };

  constructor(
    readonly hubUrl: string,
    private readonly credential: string,
  ) {}

  private mark(state: 'up' | 'down', error?: string): void {
    if (this.link.state !== state) this.link = { state, since: new Date().toISOString(), ...(error ? { error } : {}) };
    else if (error) this.link.error = error;
  }

  // Aborts every request under way when the gateway stops: an upload hanging on a dead link must not hold the
  // process for the request's own timeout (a service manager's stop would wait, then kill it anyway). What the hub
  // has of an upload stays there; the next start resumes from its offset.
  private readonly closing = new AbortController();

  /** Stops every request under way (the gateway is stopping). */
  close(): void {
    this.closing.abort();
  }

  get closed(): boolean {
    return this.closing.signal.aborted;
  }

  private async call(url: string, init: RequestInit & { duplex?: 'half' }): Promise<Response> {
    try {
      const res = await fetch(url, {
        ...init,
        signal: AbortSignal.any([init.signal ?? AbortSignal.timeout(10 * 60_000), this.closing.signal]),
      });
      if (res.status >= 500) this.mark('down', `HTTP_${res.status}`);
      else this.mark('up');
      return res;
    } catch (e) {
      if (!this.closed) this.mark('down', (e as Error).name === 'TimeoutError' ? 'TIMEOUT' : 'UNREACHABLE');
      throw e;
    }
  }

  async accessToken(): Promise<string> {
    if (this.token && Date.now() < this.token.renewAt) return this.token.value;
    this.pending ??= (async () => {
      try {
        const res = await this.call(`${this.hubUrl}/api/auth/service-token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ credential: this.credential }),
        });
        if (res.status !== 200) throw new HubRefusal(res.status, 'TOKEN_REFUSED', res.status < 500);
        const { accessToken, expiresIn } = (await res.json()) as ServiceTokenView;
        // renewed at 80% of its life, so that no request goes out with a token about to run out
        this.token = { value: accessToken, renewAt: Date.now() + expiresIn * 800 };
        return accessToken;
      } finally {
        this.pending = undefined;
      }
    })();
    return this.pending;
  }

  /** Forgets the token (the hub refused it): the next call asks for a new one. */
  dropToken(): void {
    this.token = undefined;
  }

  private async authorized(): Promise<Record<string, string>> {
    return { ...TUS, authorization: `Bearer ${await this.accessToken()}` };
  }

  /** Creates an upload of `size` bytes; its URL. */
  async createUpload(size: number, metadata: Record<string, string>): Promise<string> {
    const meta = Object.entries(metadata)
      .map(([k, v]) => `${k} ${Buffer.from(v, 'utf8').toString('base64')}`)
      .join(',');
    const res = await this.call(`${this.hubUrl}/api/uploads`, {
      method: 'POST',
      headers: {
        ...(await this.authorized()),
        'Upload-Length': String(size),
        ...(meta ? { 'Upload-Metadata': meta } : {}),
      },
    });
    const body = await res.text();
    if (res.status !== 201) throw this.refusal(res.status, body);
    return new URL(res.headers.get('location')!, `${this.hubUrl}/api/uploads`).toString();
  }

  /** The offset the hub has of an upload; undefined when the hub no longer knows it (finished or expired). */
  async offsetOf(uploadUrl: string): Promise<number | undefined> {
    const res = await this.call(uploadUrl, { method: 'HEAD', headers: await this.authorized() });
    if (res.status === 404 || res.status === 410) return undefined;
    if (res.status !== 200 && res.status !== 204) throw this.refusal(res.status, '');
    return Number(res.headers.get('upload-offset') ?? '0');
  }

  /** Sends the file from `offset` to its end; the hub's final answer (status and body). */
  async send(uploadUrl: string, path: string, offset: number, size: number): Promise<{ status: number; body: string }> {
    const body =
      offset >= size ? Buffer.alloc(0) : (Readable.toWeb(createReadStream(path, { start: offset })) as ReadableStream);
    const res = await this.call(uploadUrl, {
      method: 'PATCH',
      headers: {
        ...(await this.authorized()),
        'Upload-Offset': String(offset),
        'Content-Type': 'application/offset+octet-stream',
      },
      body,
      duplex: 'half',
    });
    return { status: res.status, body: await res.text() };
  }

  /** The centre's scheduled steps, and the character set each of its registered modality AEs is answered in. */
  async worklist(): Promise<GatewayWorklistView> {
    const res = await this.call(`${this.hubUrl}/api/gateway/worklist`, { headers: await this.authorized() });
    const text = await res.text();
    if (res.status !== 200) throw this.refusal(res.status, text);
    const body = JSON.parse(text) as Partial<GatewayWorklistView>;
    return { items: body.items ?? [], aes: body.aes ?? [] };
  }

  private refusal(status: number, body: string): HubRefusal {
    if (status === 401) this.dropToken();
    let code = `HTTP_${status}`;
    try {
      code = (JSON.parse(body) as { error?: { code?: string } }).error?.code ?? code;
    } catch {
      /* not JSON */
    }
    // 401 (token ran out), 404 (upload gone), 409 (offset), 423 (locked), 429 and 5xx are worth another try
    const permanent = status >= 400 && status < 500 && ![401, 404, 408, 409, 423, 429].includes(status);
    return new HubRefusal(status, code, permanent);
  }
}
