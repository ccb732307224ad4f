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
  databaseUrl: string | undefined;
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
  /** largest STOW-RS request body, bytes */
  stowMaxBodyBytes: number;
  /** largest single instance in a STOW-RS request, bytes */
  stowMaxPartBytes: number;
  /** STOW-RS requests up to this Content-Length are received in memory (together up to 4x this), others into temporary files */
  stowMemoryRequestBytes: number;
  /** DICOM network services: the port (0: off), the address and this node's AE title */
  dicomPort: number;
  dicomHost: string;
  dicomAeTitle: string;
  /** the web app's production build (served on the same port); default: apps/web/dist of this checkout */
  webDir: string | undefined;
  /** the network's turnaround limits: the published defaults with TURNAROUND_POLICY (JSON) applied */
  turnaroundPolicy: TurnaroundPolicy;
}

export const APP_CONFIG = Symbol('APP_CONFIG');

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
    stowMaxBodyBytes: env.STOW_MAX_BODY_BYTES,
    stowMaxPartBytes: env.STOW_MAX_PART_BYTES,
    stowMemoryRequestBytes: env.STOW_MEMORY_REQUEST_BYTES,
    dicomPort: env.DICOM_PORT,
    dicomHost: env.DICOM_HOST,
    dicomAeTitle: env.DICOM_AE_TITLE,
    webDir: env.WEB_DIR ?? fileURLToPath(new URL('../../../web/dist', import.meta.url)),
    turnaroundPolicy: parsePolicy(env.TURNAROUND_POLICY),
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
