import { QueryFailedError } from 'typeorm';
import { isDatabaseUnavailable } from './database-unavailable.js';

const pgError = (code: string, message = 'x') => Object.assign(new Error(message), { code, severity: 'FATAL' });

describe('isDatabaseUnavailable: a connection problem, not a failed statement', () => {
  it.each([
    ['a refused socket', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['an administrator shutdown (57P01)', pgError('57P01')],
    ['a server starting up (57P03)', pgError('57P03')],
    ['a connection failure (08006)', pgError('08006')],
    ['too many connections (53300)', pgError('53300')],
    ['a database refusing connections on connect (55000)', pgError('55000')],
    ['a lost connection', new Error('Connection terminated unexpectedly')],
    ['a pool timeout', new Error('timeout exceeded when trying to connect')],
    ['a lost connection under a statement', new QueryFailedError('SELECT 1', [], new Error('Connection terminated'))],
    ['a shutdown under a statement', new QueryFailedError('SELECT 1', [], pgError('57P01'))],
  ])('%s: yes', (_what, err) => {
    expect(isDatabaseUnavailable(err)).toBe(true);
  });

  it.each([
    ['a unique violation', new QueryFailedError('INSERT', [], pgError('23505'))],
    ['a bad value', new QueryFailedError('SELECT', [], pgError('22P02', 'invalid input syntax for type integer: "x"'))],
    ['55000 from a statement (e.g. currval before nextval)', new QueryFailedError('SELECT', [], pgError('55000'))],
    ['a programming error', new TypeError('cannot read properties of undefined')],
    ['nothing', undefined],
  ])('%s: no', (_what, err) => {
    expect(isDatabaseUnavailable(err)).toBe(false);
  });
});
