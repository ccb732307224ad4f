import { z } from 'zod';

// Every setting Zhiyin reads from the environment, validated once at boot. Defaults let
// `npm start` run a complete demo on one machine; production sets DATABASE_URL and secrets.
const port = z.coerce.number().int().min(0).max(65535);
const seconds = z.coerce.number().int().positive();
const millis = z.coerce.number().int().min(0);
const base64Key = z
  .string()
  .refine((v) => Buffer.from(v, 'base64').length === 32, { message: 'must be 32 bytes, base64-encoded' });

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: port.default(3000),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, { message: 'must be a postgres:// or postgresql:// URL' })
      .optional(),
    // The schema owner's URL: migrations run with it, the app with DATABASE_URL (a role without ownership).
    DATABASE_MIGRATION_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, { message: 'must be a postgres:// or postgresql:// URL' })
      .optional(),
    EMBEDDED_PG_PORT: port.default(54329),
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, { message: 'must be a redis:// or rediss:// URL' })
      .optional(),
    REDIS_STREAM_NAME: z.string().min(1).default('zhiyin:socket.io'),
    DATA_DIR: z.string().min(1).default('var'),
    JWT_SECRET: z.string().min(32, { message: 'must be at least 32 characters' }).optional(),
    DATA_KEY: base64Key.optional(),
    ACCESS_TOKEN_TTL: seconds.default(900),
    REFRESH_TOKEN_TTL: seconds.default(7 * 24 * 3600),
    PATIENT_CODE_TTL: seconds.default(7 * 24 * 3600),
    PATIENT_SESSION_TTL: seconds.default(1800),
    SEED_DEMO: z
      .enum(['true', 'false'])
      .default('true')
      .transform((v) => v === 'true'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    JSON_BODY_LIMIT: z.string().default('1mb'),
    STOW_MAX_BODY_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(4 * 1024 ** 3),
    STOW_MAX_PART_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(1024 ** 3),
    STOW_MEMORY_REQUEST_BYTES: z.coerce
      .number()
      .int()
      .min(0)
      .default(16 * 1024 ** 2),
    // What one STOW-RS request may cost (PS3.18 multipart/related bodies): parts, part headers, the
    // metadata held per request until it is indexed.
    STOW_MAX_PARTS: z.coerce.number().int().positive().default(10_000),
    STOW_MAX_PART_HEADER_BYTES: z.coerce
      .number()
      .int()
      .min(256)
      .default(8 * 1024),
    STOW_MAX_HEADER_BYTES: z.coerce
      .number()
      .int()
      .min(256)
      .default(4 * 1024 ** 2),
    STOW_MAX_METADATA_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(128 * 1024 ** 2),
    // Files left behind (temporary files, stored files no instance refers to): swept at start and then
    // every STORAGE_SWEEP_INTERVAL seconds, once older than STORAGE_SWEEP_GRACE seconds.
    // (at most ~23 days: a longer timer would fire at once in Node.js)
    STORAGE_SWEEP_INTERVAL: seconds.max(2_000_000).default(3600),
    STORAGE_SWEEP_GRACE: z.coerce
      .number()
      .int()
      .min(0)
      .max(100 * 365 * 24 * 3600)
      .default(3600),
    WEB_DIR: z.string().optional(),
    // The network's time zone: every printed paper (report PDF) shows local times in it.
    TIME_ZONE: z
      .string()
      .default('Asia/Shanghai')
      .refine(isTimeZone, { message: 'must be an IANA time zone such as Asia/Shanghai' }),
    TURNAROUND_POLICY: z.string().optional(),
    // A study older than this many days is flagged to its reader (a recording from another visit read as today's).
    STUDY_MAX_AGE_DAYS: z.coerce.number().int().positive().max(36_500).default(30),
    // DICOM network services (DIMSE): 0 turns the listener off.
    DICOM_PORT: port.default(11112),
    DICOM_HOST: z.string().min(1).default('127.0.0.1'),
    // An AE title (PS3.5 AE): 1 to 16 characters of the default repertoire, no backslash, not only spaces.
    DICOM_AE_TITLE: z
      .string()
      .regex(/^(?! *$)[\x20-\x5b\x5d-\x7e]{1,16}$/, {
        message: 'must be 1 to 16 printable ASCII characters, no backslash',
      })
      .transform((v) => v.trim())
      .default('ZHIYIN'),
    TRUST_PROXY: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true'),
    // The address users reach the API at (e.g. https://zhiyin.hub.example): the origin of every URL the API writes
    // into an answer. Empty or unset: a trusted proxy's X-Forwarded-Host under TRUST_PROXY, else HOST and PORT.
    PUBLIC_URL: z
      .string()
      .optional()
      .transform((v) => (v?.trim() ? v.trim() : undefined))
      .refine((v) => v === undefined || publicUrl(v) !== undefined, {
        message: 'must be an http:// or https:// URL without user, query or fragment, e.g. https://zhiyin.example',
      })
      .transform((v) => (v === undefined ? undefined : publicUrl(v))),
    // Slow and abandoned clients (see common/http/server-limits.ts).
    HTTP_HEADERS_TIMEOUT_MS: millis.min(1).default(10_000),
    HTTP_REQUEST_TIMEOUT_MS: millis.default(60_000),
    HTTP_IDLE_TIMEOUT_MS: millis.default(60_000),
    HTTP_KEEP_ALIVE_TIMEOUT_MS: millis.default(5_000),
    HTTP_MAX_CONNECTIONS_PER_ADDRESS: z.coerce.number().int().min(0).default(200),
    // Compressed frames are decoded in worker threads: how many at once, how many may wait, the
    // largest decoded frame (bytes) and the time one decode may take (ms).
    FRAME_DECODE_WORKERS: z.coerce.number().int().min(1).max(64).default(2),
    FRAME_DECODE_QUEUE: z.coerce.number().int().min(0).default(64),
    FRAME_DECODE_MAX_BYTES: z.coerce
      .number()
      .int()
      .min(1024 * 1024)
      .default(256 * 1024 * 1024),
    FRAME_DECODE_TIMEOUT_MS: z.coerce.number().int().min(100).default(20_000),
    METRICS_TOKEN: z.string().min(32, { message: 'must be at least 32 characters' }).optional(),
  })
  .superRefine((env, ctx) => {
    if (env.DATABASE_MIGRATION_URL && !env.DATABASE_URL)
      ctx.addIssue({ code: 'custom', path: ['DATABASE_URL'], message: 'is required with DATABASE_MIGRATION_URL' });
    if (env.NODE_ENV === 'production') {
      for (const key of ['DATABASE_URL', 'JWT_SECRET', 'DATA_KEY'] as const) {
        if (!env[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'is required in production' });
      }
    }
  });

export type Env = z.infer<typeof envSchema>;

/** The normalised public URL (no trailing slash), or undefined when it is not one. */
function publicUrl(value: string): string | undefined {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return undefined;
  }
  if (!['http:', 'https:'].includes(u.protocol) || u.username || u.password || u.search || u.hash) return undefined;
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}

/** Parses the environment; on failure lists every problem at once (names only, never values). */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = envSchema.safeParse(source);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `  - ${i.path.join('.') || '(env)'}: ${i.message}`);
  throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}
