import { Writable } from 'node:stream';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import { getMetadataStorage } from 'class-validator';
import { pino } from 'pino';
import { CONTROLLERS } from '#src/app.module.js';
import type { Role } from '#src/common/request-context.js';
import { api, startTestApp, type TestApp } from '../support/test-app.js';
import { allRoutes, type RouteInfo } from '../support/routes.js';

// Hostile or careless values in every query parameter and body field of every route answer 400
// naming the field (or work), never 500: each value below once reached PostgreSQL and failed there.

type Kind = 'int' | 'date' | 'rowId' | 'uuid' | 'string';

interface Field {
  route: RouteInfo;
  where: 'query' | 'body';
  name: string;
  kinds: Set<Kind>;
}

const KIND_OF: Record<string, Kind> = {
  isInt: 'int',
  isCalendarDate: 'date',
  isTimestamp: 'date',
  isIso8601: 'date',
  isDate: 'date',
  isRowId: 'rowId',
  isNumberString: 'rowId',
  isUuid: 'uuid',
  isString: 'string',
  matches: 'string',
};

const HOSTILE: Record<Exclude<Kind, 'string'>, { query: string[]; body: unknown[] }> = {
  int: {
    query: ['1e300', '1.5', '1e3', '0x10', '99999999999', '-99999999999', 'NaN', ''],
    body: [1e300, 1.5, 99999999999, '1e300', 'NaN', -1e300],
  },
  date: {
    query: ['2026-02-30', '2025-02-29', '2026-13-01', '0000-01-01', '2026-02-30T10:00:00Z', '1e300', 'now'],
    body: ['2026-02-30', '2026-02-30T10:00:00Z', '0000-01-01T00:00:00Z', 1e300],
  },
  rowId: { query: ['1.5', '1e300', '-1', '99999999999999999999', 'abc', ''], body: ['1.5', 1e300] },
  uuid: { query: ['not-a-uuid', '00000000-0000-0000-0000-00000000000g', '1'], body: ['not-a-uuid', 1] },
};

const SOME_UUID = '0b5d6c1e-8f63-4c2b-9a51-3e2f8d4a7c10';
const USER_OF: Partial<Record<Role, string>> = {
  community_doctor: 'doc.hyjq',
  specialist: 'card.chen',
  coordinator: 'coord.liu',
  admin: 'admin',
};

/** Every query parameter and body field of every route, with the kinds of value its validators take. */
function allFields(): Field[] {
  const routes = new Map(allRoutes().map((r) => [r.handler, r]));
  const storage = getMetadataStorage();
  const fields: Field[] = [];
  for (const controller of CONTROLLERS) {
    for (const method of Object.getOwnPropertyNames(controller.prototype)) {
      if (method === 'constructor') continue;
      const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, method) ?? {}) as Record<
        string,
        { index: number; data?: string }
      >;
      const types = (Reflect.getMetadata('design:paramtypes', controller.prototype, method) ?? []) as unknown[];
      const route = routes.get(`${controller.name}.${method}`);
      if (!route) continue;
      for (const [key, arg] of Object.entries(args)) {
        const type = Number(key.split(':')[0]) as RouteParamtypes;
        const where = type === RouteParamtypes.QUERY ? 'query' : type === RouteParamtypes.BODY ? 'body' : undefined;
        if (!where) continue;
        if (arg.data) {
          fields.push({ route, where, name: arg.data, kinds: new Set(['string']) });
          continue;
        }
        const dto = types[arg.index] as (new () => unknown) | undefined;
        if (!dto || dto === Object) continue;
        const byProperty = new Map<string, Set<Kind>>();
        for (const m of storage.getTargetValidationMetadatas(dto, '', true, false)) {
          const name = (m as { name?: string }).name ?? m.type;
          const kind = KIND_OF[name] ?? KIND_OF[m.type];
          if (!kind) continue;
          byProperty.set(m.propertyName, (byProperty.get(m.propertyName) ?? new Set()).add(kind));
        }
        for (const [name, kinds] of byProperty) fields.push({ route, where, name, kinds });
      }
    }
  }
  return fields;
}

const concrete = (path: string) => path.replace(/:[a-zA-Z]+/g, SOME_UUID);
const named = (body: any, field: string) =>
  ((body?.error?.details?.fields ?? []) as string[]).some((f) => f.split(' ')[0] === field);

describe('hostile values in every query parameter and body field answer 400 naming the field, never 500', () => {
  let t: TestApp;
  const tokens: Partial<Record<Role, string>> = {};
  const fields = allFields();

  beforeAll(async () => {
    t = await startTestApp();
    for (const [role, user] of Object.entries(USER_OF)) tokens[role as Role] = await t.login(user);
  });
  afterAll(async () => {
    await t.close();
  });

  it('finds the parameters to test (the walk itself works)', () => {
    const keys = fields.map((f) => `${f.route.key} ${f.where}.${f.name}`);
    expect(keys).toEqual(
      expect.arrayContaining([
        'GET /api/referrals query.offset',
        'GET /api/referrals query.from',
        'GET /api/events query.after',
        'GET /api/patients query.q',
        'GET /api/audit query.before',
        'GET /api/duty-shifts query.from',
        'POST /api/patients body.familyNameZh',
        'POST /api/referrals/:id/messages body.body',
      ]),
    );
  });

  it('every integer, date, row id and uuid field x hostile values -> 400 naming the field', async () => {
    const failures: string[] = [];
    for (const f of fields) {
      const role = f.route.roles?.find((r) => tokens[r]);
      if (!role && !f.route.isPublic) continue;
      for (const kind of f.kinds) {
        if (kind === 'string') continue;
        const values = f.where === 'query' ? HOSTILE[kind].query : HOSTILE[kind].body;
        for (const value of values) {
          const path = concrete(f.route.path);
          const res =
            f.where === 'query'
              ? await api(t, f.route.method, `${path}?${new URLSearchParams({ [f.name]: String(value) }).toString()}`, {
                  token: role && tokens[role],
                })
              : await api(t, f.route.method, path, { token: role && tokens[role], body: { [f.name]: value } });
          if (res.status !== 400 || !named(res.body, f.name))
            failures.push(`${f.route.key} ${f.where}.${f.name}=${JSON.stringify(value)} -> ${res.status}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('a NUL or other control character in any string field -> 400 naming the field', async () => {
    const failures: string[] = [];
    for (const f of fields) {
      const role = f.route.roles?.find((r) => tokens[r]);
      if (!role && !f.route.isPublic) continue;
      for (const value of ['a\u0000b', 'a\u001bb', 'a\u007fb']) {
        const path = concrete(f.route.path);
        const res =
          f.where === 'query'
            ? await api(t, f.route.method, `${path}?${new URLSearchParams({ [f.name]: value }).toString()}`, {
                token: role && tokens[role],
              })
            : await api(t, f.route.method, path, { token: role && tokens[role], body: { [f.name]: value } });
        if (res.status !== 400 || !named(res.body, f.name))
          failures.push(`${f.route.key} ${f.where}.${f.name}=${JSON.stringify(value)} -> ${res.status}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('the values of the review: each answers 400 naming its field', async () => {
    const doc = tokens.community_doctor!;
    const cases: [string, string, unknown, string][] = [
      ['GET', '/api/referrals?offset=1e300', undefined, 'offset'],
      ['GET', '/api/patients?offset=1e300', undefined, 'offset'],
      ['GET', '/api/referrals?from=2026-02-30', undefined, 'from'],
      ['GET', '/api/events?after=1.5', undefined, 'after'],
      [
        'POST',
        '/api/patients',
        { mrn: 'X1', familyNameZh: '孙\u0000', givenNameZh: '娟', sex: 'F', birthDate: '1958-04-12' },
        'familyNameZh',
      ],
      [
        'POST',
        '/api/patients',
        { mrn: 'X1', familyNameZh: '孙', givenNameZh: '娟', sex: 'F', birthDate: '2026-02-30' },
        'birthDate',
      ],
      ['POST', `/api/referrals/${SOME_UUID}/messages`, { body: 'hello\u0000' }, 'body'],
      ['GET', '/api/patients?q=%00', undefined, 'q'],
    ];
    for (const [method, path, body, field] of cases) {
      const res = await api(t, method, path, { token: doc, body });
      expect({ path, field, status: res.status, named: named(res.body, field) }).toEqual({
        path,
        field,
        status: 400,
        named: true,
      });
    }
  });

  it('DICOMweb query parameters: a control character, a huge or fractional limit, a day that does not exist -> 400', async () => {
    const doc = tokens.community_doctor!;
    for (const query of ['PatientName=%00', 'limit=1e300', 'offset=1.5', 'StudyDate=20260230', 'PatientID=a%1Bb']) {
      const res = await api(t, 'GET', `/dicomweb/studies?${query}`, { token: doc });
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
    }
  });

  it('JSON nested 5,000 deep -> 400 JSON_TOO_DEEP, and the server stays well', async () => {
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    const res = await api(t, 'POST', '/api/patients', {
      token: tokens.community_doctor,
      body: `{"mrn":${deep}}`,
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('JSON_TOO_DEEP');
    // Brackets inside strings are text, not nesting.
    const text = await api(t, 'POST', `/api/referrals/${SOME_UUID}/messages`, {
      token: tokens.community_doctor,
      body: { body: '['.repeat(1000) },
    });
    expect(text.status).toBe(404);
    expect((await api(t, 'GET', '/api/health')).status).toBe(200);
  });

  it('a digits-only patient search is a normal search (an MRN)', async () => {
    const doc = tokens.community_doctor!;
    const created = await api(t, 'POST', '/api/patients', {
      token: doc,
      body: { mrn: '100000', familyNameZh: '孙', givenNameZh: '娟', sex: 'F', birthDate: '1958-04-12' },
    });
    expect(created.status).toBe(201);
    const res = await api(t, 'GET', '/api/patients?q=100000', { token: doc });
    expect(res.status).toBe(200);
    expect(res.body.items.map((p: { mrn: string }) => p.mrn)).toContain('100000');
  });
});

describe('a 500 never logs the value that caused it', () => {
  let t: TestApp;
  const lines: string[] = [];

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    t = await startTestApp({}, { logger: pino({ level: 'info' }, sink) });
    // A column whose type no longer matches what the API writes: PostgreSQL's error quotes the value.
    await t.db.query('ALTER TABLE patient ALTER COLUMN phone TYPE integer USING NULL');
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 500 and logs the error type and code, not the message quoting the value', async () => {
    const doc = await t.login('doc.hyjq');
    const res = await api(t, 'POST', '/api/patients', {
      token: doc,
      body: {
        mrn: 'LOG1',
        familyNameZh: '孙',
        givenNameZh: '娟',
        sex: 'F',
        birthDate: '1958-04-12',
        phone: '138-0013-8000',
      },
    });
    expect(res.status).toBe(500);
    expect(JSON.stringify(res.body)).not.toContain('138-0013-8000');
    const log = lines.join('');
    expect(log).toContain('unhandled error');
    expect(log).toContain('22P02');
    expect(log).not.toContain('138-0013-8000');
  });
});
