import { z } from 'zod';

// Every setting Zhiyin reads from the environment, validated once at boot. Defaults let
// `npm start` run a complete demo on one machine; production sets DATABASE_URL and secrets.
const port = z.coerce.number().int().min(0).max(65535);
const seconds = z.coerce.number().int().positive();
const base64Key = z
  .string()
  .refine((v) => Buffer.from(v, 'base64').length === 32, { message: 'must be 32 bytes, base64-encoded' });

export const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: port.default(3000),
    DATABASE_URL: z
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
    WEB_DIR: z.string().optional(),
    TURNAROUND_POLICY: z.string().optional(),
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
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production') {
      for (const key of ['DATABASE_URL', 'JWT_SECRET', 'DATA_KEY'] as const) {
        if (!env[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'is required in production' });
      }
    }
  });

export type Env = z.infer<typeof envSchema>;

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
