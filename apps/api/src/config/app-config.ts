import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mergeTurnaroundPolicy, type TurnaroundPolicy } from '@zhiyin/workflow';
import { ConfigError, parseEnv, type Env } from './env.schema.js';

/** The validated, typed configuration every module receives (never read process.env elsewhere). */
export interface AppConfig {
  env: Env['NODE_ENV'];
  host: string;
  port: number;
  /** sensitive: the app's database role (or a superuser the roles are made with) */
  databaseUrl: string | undefined;
  /** sensitive: the schema owner's role, migrations run with it (DATABASE_MIGRATION_URL) */
  databaseMigrationUrl: string | undefined;
  embeddedPgPort: number;
  redisUrl: string | undefined;
  /** the Redis stream every API node's socket.io adapter shares */
  redisStreamName: string;
  dataDir: string;
  /** sensitive */
  jwtSecret: string;
  /** sensitive: 32-byte key for fields stored encrypted (national IDs) */
  dataKey: Buffer;
  accessTokenTtl: number;
  refreshTokenTtl: number;
  patientCodeTtl: number;
  patientSessionTtl: number;
  seedDemo: boolean;
  logLevel: Env['LOG_LEVEL'];
  jsonBodyLimit: string;
  trustProxy: boolean;
  /** IANA time zone of the network: local times on printed papers */
  timeZone: string;
  /** studies older than this (days) are flagged to the reader */
  studyMaxAgeDays: number;
  /** the origin of the URLs written into answers (PUBLIC_URL), without a trailing slash; see PublicUrl */
  publicUrl: string | undefined;
  /** largest STOW-RS request body, bytes */
  stowMaxBodyBytes: number;
  /** largest single instance in a STOW-RS request, bytes */
  stowMaxPartBytes: number;
  /** STOW-RS requests up to this Content-Length are received in memory (together up to 4x this), others into temporary files */
  stowMemoryRequestBytes: number;
  /** parts in one STOW-RS request */
  stowMaxParts: number;
  /** bytes of one part's header block in a STOW-RS request */
  stowMaxPartHeaderBytes: number;
  /** bytes of every part header block of a STOW-RS request together */
  stowMaxHeaderBytes: number;
  /** bytes of the instances' metadata (DICOM JSON) one STOW-RS request may hold until it is indexed */
  stowMaxMetadataBytes: number;
  /** seconds between two sweeps of files left behind (one also runs at start) */
  storageSweepIntervalSeconds: number;
  /** seconds a file left behind is kept before it may be swept */
  storageSweepGraceSeconds: number;
  /** the web app's production build (served on the same port), absolute; WEB_DIR relative to the checkout's root */
  webDir: string;
  /** DICOM network services: the port (0: off), the address and this node's AE title */
  dicomPort: number;
  dicomHost: string;
  dicomAeTitle: string;
  /** the network's turnaround limits: the published defaults with TURNAROUND_POLICY (JSON) applied */
  turnaroundPolicy: TurnaroundPolicy;
  /** how long slow or silent clients are kept (milliseconds, 0 = no limit) and how many connections one address may hold */
  http: HttpLimits;
  /** sensitive: the bearer token of GET /metrics; unset: the endpoint is off (404) */
  metricsToken: string | undefined;
  /** decoding compressed frames in worker threads (FRAME_DECODE_*) */
  frameDecode: { workers: number; queue: number; maxFrameBytes: number; timeoutMs: number };
}

export interface HttpLimits {
  /** the whole request head must arrive within this */
  headersTimeoutMs: number;
  /** a request body must arrive within this, except STOW-RS and resumable uploads (idle limit only) */
  requestTimeoutMs: number;
  /** a connection that neither sends nor takes a byte for this long, while nothing waits on the server, is closed */
  idleTimeoutMs: number;
  /** an idle keep-alive connection is closed after this */
  keepAliveTimeoutMs: number;
  /** open connections one client address may hold (0 = no cap) */
  maxConnectionsPerAddress: number;
}

export const APP_CONFIG = Symbol('APP_CONFIG');

// The checkout's root (this file is apps/api/{src,dist}/config/). A relative WEB_DIR is taken from
// here, not from the working directory, so `apps/web/dist` means the same wherever the API is started.
const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

interface LocalSecrets {
  jwtSecret: string;
  dataKey: string;
}

// Outside production, secrets that are not set are generated once and kept under DATA_DIR,
// so tokens and encrypted fields survive restarts of the demo.
function localSecrets(dataDir: string): LocalSecrets {
  const file = join(dataDir, 'secrets.json');
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LocalSecrets;
  } catch {
    const secrets = { jwtSecret: randomBytes(48).toString('base64url'), dataKey: randomBytes(32).toString('base64') };
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, JSON.stringify(secrets), { mode: 0o600 });
    return secrets;
  }
}

/** The embedded PostgreSQL's passwords: its superuser's and the app role's. */
export interface EmbeddedDatabaseSecrets {
  superuserPassword: string;
  appPassword: string;
}

/**
 * The embedded server's passwords, generated on first use and kept under DATA_DIR (owner-only), like the
 * development secrets: no password of any installation is written in the source.
 */
export function embeddedDatabaseSecrets(dataDir: string): EmbeddedDatabaseSecrets {
  const file = join(dataDir, 'database-secrets.json');
  try {
    const found = JSON.parse(readFileSync(file, 'utf8')) as Partial<EmbeddedDatabaseSecrets>;
    if (found.superuserPassword && found.appPassword) return found as EmbeddedDatabaseSecrets;
  } catch {
    /* none yet */
  }
  const secrets = {
    superuserPassword: randomBytes(24).toString('base64url'),
    appPassword: randomBytes(24).toString('base64url'),
  };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify(secrets), { mode: 0o600 });
  return secrets;
}

export function loadConfig(source: Record<string, string | undefined> = process.env, cwd = process.cwd()): AppConfig {
  const env = parseEnv(source);
  const dataDir = isAbsolute(env.DATA_DIR) ? env.DATA_DIR : resolve(cwd, env.DATA_DIR);
  const needLocal = !env.JWT_SECRET || !env.DATA_KEY;
  const local = needLocal ? localSecrets(dataDir) : undefined;
  return {
    env: env.NODE_ENV,
    host: env.HOST,
    port: env.PORT,
    databaseUrl: env.DATABASE_URL,
    databaseMigrationUrl: env.DATABASE_MIGRATION_URL,
    embeddedPgPort: env.EMBEDDED_PG_PORT,
    redisUrl: env.REDIS_URL,
    redisStreamName: env.REDIS_STREAM_NAME,
    dataDir,
    jwtSecret: env.JWT_SECRET ?? local!.jwtSecret,
    dataKey: Buffer.from(env.DATA_KEY ?? local!.dataKey, 'base64'),
    accessTokenTtl: env.ACCESS_TOKEN_TTL,
    refreshTokenTtl: env.REFRESH_TOKEN_TTL,
    patientCodeTtl: env.PATIENT_CODE_TTL,
    patientSessionTtl: env.PATIENT_SESSION_TTL,
    seedDemo: env.SEED_DEMO,
    logLevel: env.LOG_LEVEL,
    jsonBodyLimit: env.JSON_BODY_LIMIT,
    trustProxy: env.TRUST_PROXY,
    timeZone: env.TIME_ZONE,
    studyMaxAgeDays: env.STUDY_MAX_AGE_DAYS,
    publicUrl: env.PUBLIC_URL,
    stowMaxBodyBytes: env.STOW_MAX_BODY_BYTES,
    stowMaxPartBytes: env.STOW_MAX_PART_BYTES,
    stowMemoryRequestBytes: env.STOW_MEMORY_REQUEST_BYTES,
    stowMaxParts: env.STOW_MAX_PARTS,
    stowMaxPartHeaderBytes: env.STOW_MAX_PART_HEADER_BYTES,
    stowMaxHeaderBytes: env.STOW_MAX_HEADER_BYTES,
    stowMaxMetadataBytes: env.STOW_MAX_METADATA_BYTES,
    storageSweepIntervalSeconds: env.STORAGE_SWEEP_INTERVAL,
    storageSweepGraceSeconds: env.STORAGE_SWEEP_GRACE,
    webDir: resolve(REPO_ROOT, env.WEB_DIR ?? 'apps/web/dist'),
    dicomPort: env.DICOM_PORT,
    dicomHost: env.DICOM_HOST,
    dicomAeTitle: env.DICOM_AE_TITLE,
    turnaroundPolicy: parsePolicy(env.TURNAROUND_POLICY),
    http: {
      headersTimeoutMs: env.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS,
      idleTimeoutMs: env.HTTP_IDLE_TIMEOUT_MS,
      keepAliveTimeoutMs: env.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      maxConnectionsPerAddress: env.HTTP_MAX_CONNECTIONS_PER_ADDRESS,
    },
    metricsToken: env.METRICS_TOKEN,
    frameDecode: {
      workers: env.FRAME_DECODE_WORKERS,
      queue: env.FRAME_DECODE_QUEUE,
      maxFrameBytes: env.FRAME_DECODE_MAX_BYTES,
      timeoutMs: env.FRAME_DECODE_TIMEOUT_MS,
    },
  };
}

function parsePolicy(json: string | undefined): TurnaroundPolicy {
  let override: unknown = {};
  if (json) {
    try {
      override = JSON.parse(json);
    } catch {
      throw new ConfigError('Invalid configuration:\n  - TURNAROUND_POLICY: is not valid JSON');
    }
  }
  const merged = mergeTurnaroundPolicy(override);
  if (!merged.ok) {
    const lines = merged.problems.map((p) => `  - TURNAROUND_POLICY.${p.path}: ${p.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return merged.policy;
}
