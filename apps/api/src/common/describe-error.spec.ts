import { describeError } from './describe-error.js';

describe('describeError', () => {
  it('tells what failed when a library rejects with nothing, a string or a plain object', () => {
    expect(describeError(undefined)).toMatch(/rejected with no reason/);
    expect(describeError('lock file "postmaster.pid" already exists')).toBe(
      'lock file "postmaster.pid" already exists',
    );
    expect(describeError({ code: 'ECONNREFUSED', port: 54329 })).toBe("{ code: 'ECONNREFUSED', port: 54329 }");
  });

  it('keeps an Error’s stack, code, causes and the errors of an AggregateError', () => {
    const inner = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const text = describeError(
      new Error('database not ready', {
        cause: new AggregateError([inner, 'second try refused'], 'all attempts failed'),
      }),
    );
    expect(text).toMatch(/^Error: database not ready\n\s+at /);
    expect(text).toContain('Caused by: AggregateError: all attempts failed');
    expect(text).toContain('connect ECONNREFUSED 127.0.0.1:5432');
    expect(text).toContain('second try refused');
  });

  it('never shows a password of a connection URL nor a given secret', () => {
    const text = describeError(
      new Error('cannot reach postgres://zhiyin:s3cr3t-pass@db.internal:5432/zhiyin with key K3y-value-123'),
      ['K3y-value-123'],
    );
    expect(text).toContain('postgres://zhiyin:***@db.internal:5432/zhiyin');
    expect(text).not.toContain('s3cr3t-pass');
    expect(text).not.toContain('K3y-value-123');
  });
});
