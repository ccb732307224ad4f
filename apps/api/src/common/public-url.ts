import { Inject, Injectable } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { isIPv6 } from 'node:net';
import { APP_CONFIG, type AppConfig } from '#src/config/app-config.js';

// A host name or address with an optional port, as a proxy may send it in X-Forwarded-Host (RFC 7230 §5.4 Host).
const FORWARDED_HOST =
  /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]']);

type TrustFn = (address: string | undefined, hop: number) => boolean;

/**
 * The origin (scheme, host, port and any path prefix) of the URLs the API writes into its answers: RetrieveURLs,
 * BulkDataURIs, STOW-RS and upload Locations. Never the client's Host header, which anyone can set (a forged one
 * would send a viewer's next requests, bearer token included, elsewhere). In order:
 * 1. PUBLIC_URL, when configured;
 * 2. with TRUST_PROXY, X-Forwarded-Host (and -Proto) sent by a trusted proxy (the peer address is checked);
 * 3. the address and port this server listens on: HOST, or with a wildcard HOST (0.0.0.0, ::) the local address the
 *    connection came in on — both the server's own, not the client's words.
 */
@Injectable()
export class PublicUrl {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** The origin for an answer to this request, without a trailing slash. */
  origin(req: IncomingMessage & { app?: { get(name: string): unknown } }): string {
    if (this.config.publicUrl) return this.config.publicUrl;
    if (this.config.trustProxy) {
      const forwarded = this.forwarded(req);
      if (forwarded) return forwarded;
    }
    const socket = req.socket;
    const configured = this.config.host;
    let host = WILDCARD_HOSTS.has(configured) ? (socket.localAddress ?? '127.0.0.1') : configured;
    if (host.startsWith('::ffff:')) host = host.slice(7);
    if (isIPv6(host)) host = `[${host}]`;
    return `http://${host}:${socket.localPort ?? this.config.port}`;
  }

  private forwarded(req: IncomingMessage & { app?: { get(name: string): unknown } }): string | undefined {
    const trust = req.app?.get('trust proxy fn') as TrustFn | undefined;
    if (!trust?.(req.socket.remoteAddress, 0)) return undefined;
    const host = first(req.headers['x-forwarded-host']);
    if (!host || !FORWARDED_HOST.test(host)) return undefined;
    const proto = first(req.headers['x-forwarded-proto'])?.toLowerCase();
    return `${proto === 'https' ? 'https' : 'http'}://${host}`;
  }
}

function first(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v?.split(',')[0]?.trim() || undefined;
}
