import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { embeddedDatabaseSecrets, loadConfig } from './app-config.js';
import { ConfigError, parseEnv } from './env.schema.js';

describe('configuration', () => {
  it('starts with safe defaults and nothing set', () => {
    const env = parseEnv({});
    expect(env).toMatchObject({
      PORT: 3000,
      HOST: '127.0.0.1',
      DATA_DIR: 'var',
      NODE_ENV: 'development',
      SEED_DEMO: true,
    });
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it('lists every invalid setting at once, by name, without echoing secret values', () => {
    const secret = 'short-secret';
    let error: unknown;
    try {
      parseEnv({ PORT: 'eighty', DATABASE_URL: 'mysql://x', JWT_SECRET: secret, DATA_KEY: 'abc', LOG_LEVEL: 'loud' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const key of ['PORT', 'DATABASE_URL', 'JWT_SECRET', 'DATA_KEY', 'LOG_LEVEL'])
      expect(message).toContain(`- ${key}:`);
    expect(message).not.toContain(secret);
  });

  it('bounds what a STOW-RS request may cost and sweeps left-behind files by default; refuses nonsense limits', () => {
    expect(parseEnv({})).toMatchObject({
      STOW_MAX_PARTS: 10_000,
      STOW_MAX_PART_HEADER_BYTES: 8192,
      STOW_MAX_HEADER_BYTES: 4 * 1024 * 1024,
      STOW_MAX_METADATA_BYTES: 128 * 1024 * 1024,
      STORAGE_SWEEP_INTERVAL: 3600,
      STORAGE_SWEEP_GRACE: 3600,
    });
    expect(() =>
      parseEnv({ STOW_MAX_PARTS: '0', STOW_MAX_PART_HEADER_BYTES: '10', STORAGE_SWEEP_INTERVAL: '9999999999' }),
    ).toThrow(/STOW_MAX_PARTS[\s\S]*STOW_MAX_PART_HEADER_BYTES[\s\S]*STORAGE_SWEEP_INTERVAL/);
  });

  it('flags studies older than STUDY_MAX_AGE_DAYS to the reader, 30 days by default, and refuses a non-positive age', () => {
    expect(parseEnv({}).STUDY_MAX_AGE_DAYS).toBe(30);
    expect(parseEnv({ STUDY_MAX_AGE_DAYS: '7' }).STUDY_MAX_AGE_DAYS).toBe(7);
    expect(() => parseEnv({ STUDY_MAX_AGE_DAYS: '0' })).toThrow(/STUDY_MAX_AGE_DAYS/);
  });

  it('takes the network time zone for printed papers, Asia/Shanghai by default, and refuses an unknown one', () => {
    expect(parseEnv({}).TIME_ZONE).toBe('Asia/Shanghai');
    expect(parseEnv({ TIME_ZONE: 'Europe/London' }).TIME_ZONE).toBe('Europe/London');
    expect(() => parseEnv({ TIME_ZONE: 'Mars/Olympus' })).toThrow(/- TIME_ZONE: must be an IANA time zone/);
  });

  it('requires a database and real secrets in production', () => {
    expect(() => parseEnv({ NODE_ENV: 'production' })).toThrow(
      /DATABASE_URL: is required in production[\s\S]*JWT_SECRET[\s\S]*DATA_KEY/,
    );
  });

  it('outside production, generates secrets once and keeps them under DATA_DIR (owner-only)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zhiyin-config-'));
    const a = loadConfig({ DATA_DIR: dir });
    const b = loadConfig({ DATA_DIR: dir });
    expect(a.jwtSecret).toBe(b.jwtSecret);
    expect(a.dataKey.equals(b.dataKey)).toBe(true);
    expect(a.dataKey).toHaveLength(32);
    expect(JSON.parse(readFileSync(join(dir, 'secrets.json'), 'utf8')).jwtSecret).toBe(a.jwtSecret);
  });

  it('takes PUBLIC_URL as an http(s) origin with an optional path, and refuses anything else by name', () => {
    expect(parseEnv({}).PUBLIC_URL).toBeUndefined();
    expect(parseEnv({ PUBLIC_URL: ' ' }).PUBLIC_URL).toBeUndefined();
    expect(parseEnv({ PUBLIC_URL: 'https://Zhiyin.Hub.example:8443/imaging/' }).PUBLIC_URL).toBe(
      'https://zhiyin.hub.example:8443/imaging',
    );
    for (const bad of [
      'zhiyin.hub.example',
      'ftp://zhiyin.hub.example',
      'https://u:p@zhiyin.hub.example',
      'https://x.example/?a=1',
    ])
      expect(() => parseEnv({ PUBLIC_URL: bad })).toThrow(/- PUBLIC_URL: must be an http/);
  });

  it('accepts DATABASE_MIGRATION_URL only together with DATABASE_URL', () => {
    expect(() => parseEnv({ DATABASE_MIGRATION_URL: 'postgres://owner@db/zhiyin' })).toThrow(
      /DATABASE_URL: is required with DATABASE_MIGRATION_URL/,
    );
    expect(() => parseEnv({ DATABASE_URL: 'postgres://app@db/zhiyin', DATABASE_MIGRATION_URL: 'mysql://x' })).toThrow(
      /DATABASE_MIGRATION_URL: must be a postgres/,
    );
    const cfg = loadConfig({
      DATA_DIR: mkdtempSync(join(tmpdir(), 'zhiyin-config-')),
      DATABASE_URL: 'postgres://app@db/zhiyin',
      DATABASE_MIGRATION_URL: 'postgres://owner@db/zhiyin',
    });
    expect(cfg).toMatchObject({
      databaseUrl: 'postgres://app@db/zhiyin',
      databaseMigrationUrl: 'postgres://owner@db/zhiyin',
    });
  });

  it('generates the embedded database passwords once, under DATA_DIR, owner-only', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zhiyin-config-'));
    const a = embeddedDatabaseSecrets(dir);
    expect(embeddedDatabaseSecrets(dir)).toEqual(a);
    expect(a.superuserPassword).not.toBe(a.appPassword);
    expect(a.superuserPassword.length).toBeGreaterThanOrEqual(32);
    expect(statSync(join(dir, 'database-secrets.json')).mode & 0o077).toBe(0);
    expect(embeddedDatabaseSecrets(mkdtempSync(join(tmpdir(), 'zhiyin-config-'))).superuserPassword).not.toBe(
      a.superuserPassword,
    );
  });
});
