import { createRequire } from 'node:module';
import { api, startTestApp, type TestApp } from '../support/test-app.js';
import { loadResponseCheck, type ResponseCheck } from '../support/openapi.js';

// The OpenAPI document describes what the API answers with the types of packages/contracts — the same types the web
// compiles against — and real answers are checked against it (here, and in every integration test's `api()` call).
describe('OpenAPI response types', () => {
  let t: TestApp;
  let admin: string;
  let check: ResponseCheck;
  let doc: { paths: Record<string, Record<string, { responses: Record<string, any> }>>; components: any };
  const contractTypes = Object.keys(
    createRequire(import.meta.url)('@zhiyin/contracts/schemas.json') as Record<string, unknown>,
  );

  beforeAll(async () => {
    t = await startTestApp();
    admin = await t.login('admin');
    doc = (await (await fetch(`${t.url}/api/docs/openapi.json`)).json()) as typeof doc;
    check = await loadResponseCheck(t.url);
  });
  afterAll(() => t?.close());

  it('holds every contracts type as a component schema, in the OpenAPI 3.0 dialect', () => {
    expect(contractTypes.length).toBeGreaterThan(40);
    for (const name of contractTypes) expect(doc.components.schemas[name]).toBeDefined();
    const text = JSON.stringify(doc);
    expect(text).not.toContain('#/definitions/');
    expect(text).not.toMatch(/"type":\[/);
    expect(text).not.toContain('"const":');
    // a nullable field of a view
    expect(doc.components.schemas.DicomAeView.properties.modality).toEqual({ type: 'string', nullable: true });
  });

  it('documents the administrator’s device, account and audit answers with their contracts types', () => {
    const schema = (path: string, method: string, status: string) =>
      doc.paths[path]![method]!.responses[status].content['application/json'].schema;
    expect(schema('/api/dicom/aes', 'get', '200')).toEqual({
      type: 'array',
      items: { $ref: '#/components/schemas/DicomAeView' },
    });
    expect(schema('/api/dicom/aes/{id}', 'patch', '200')).toEqual({ $ref: '#/components/schemas/DicomAeView' });
    expect(schema('/api/service-accounts', 'post', '201')).toEqual({
      $ref: '#/components/schemas/NewServiceAccount',
    });
    expect(schema('/api/audit', 'get', '200')).toEqual({ $ref: '#/components/schemas/AuditTrailPage' });
    expect(check.documented.has('GET /api/audit/verify')).toBe(true);
  });

  it('finds real answers valid, and refuses one that drifts from its type', async () => {
    const facilities = (await api(t, 'GET', '/api/facilities', { token: admin })).body;
    const centre = (facilities.facilities as { id: string; kind: string }[]).find((f) => f.kind === 'community')!;
    const created = await api(t, 'POST', '/api/dicom/aes', {
      token: admin,
      body: { aeTitle: 'OPENAPI_CT', facilityId: centre.id, kind: 'modality', modality: 'CT' },
    });
    expect(created.status).toBe(201);
    const list = await api(t, 'GET', '/api/dicom/aes', { token: admin });
    expect(list.status).toBe(200);
    expect(() => check('GET', '/api/dicom/aes', 200, list.body)).not.toThrow();
    const audit = await api(t, 'GET', '/api/audit?limit=5', { token: admin });
    expect(() => check('GET', '/api/audit?limit=5', 200, audit.body)).not.toThrow();

    // A snake_case column, an extra field, a missing one, a wrong type: each is caught.
    const { aeTitle, ...rest } = created.body;
    expect(() => check('POST', '/api/dicom/aes', 201, { ...rest, ae_title: aeTitle })).toThrow(/aeTitle|ae_title/);
    expect(() => check('POST', '/api/dicom/aes', 201, { ...created.body, extra: 1 })).toThrow(/additional/);
    expect(() => check('GET', `/api/dicom/aes/${created.body.id}`, 200, { ...created.body, port: '104' })).toThrow(
      /port/,
    );
    expect(() => check('GET', '/api/dicom/aes', 200, [{ ...created.body, active: undefined }])).toThrow(/active/);
  });

  it('checks the health, gateway token, gateway worklist and events replay answers against their types', async () => {
    const health = await api(t, 'GET', '/api/health');
    expect(health.status).toBe(200);
    expect(() => check('GET', '/api/health', 200, health.body)).not.toThrow();
    const facilities = (await api(t, 'GET', '/api/facilities', { token: admin })).body;
    const centre = (facilities.facilities as { id: string; code: string }[]).find((f) => f.code === 'HYJQ')!;
    const account = await api(t, 'POST', '/api/service-accounts', {
      token: admin,
      body: { facilityId: centre.id, name: 'OpenAPI 网关' },
    });
    const token = await api(t, 'POST', '/api/auth/service-token', { body: { credential: account.body.credential } });
    expect(token.status).toBe(200);
    // A referral of the centre waiting for its study: a step of its worklist.
    const doc = await t.login('doc.hyjq');
    const { rows } = await t.db.query<{ id: string }>(`SELECT id FROM patient WHERE mrn = 'BJCY100102'`);
    const draft = await api(t, 'POST', '/api/referrals', {
      token: doc,
      body: { patientId: rows[0]!.id, service: 'ECG', priority: 'ROUTINE', clinicalQuestion: '胸闷待查' },
    });
    expect(draft.status).toBe(201);
    const worklist = await api(t, 'GET', '/api/gateway/worklist', { token: token.body.accessToken });
    expect(worklist.status).toBe(200);
    expect(check.documented.has('GET /api/gateway/worklist')).toBe(true);
    // Each step of exactly the documented shape (the answer once carried the ordering column too).
    expect(worklist.body.items.length).toBeGreaterThan(0);
    const events = await api(t, 'GET', '/api/events?after=0', { token: admin });
    expect(events.status).toBe(200);
    expect(check.documented.has('GET /api/events')).toBe(true);
  });

  it('lists no JSON answer of the API without its contracts type', () => {
    // What answers no JSON body: files, images (a case's first image), PDFs and CSV; DICOMweb (DICOM JSON and multipart, PS3.18); the tus
    // protocol; 204s; the sign-out; the metrics text.
    const notJson = [
      /^\/dicomweb\//,
      /^\/api\/uploads/,
      /\.(pdf|csv)$/,
      /\/pdf$/,
      /\/file$/,
      /\/form$/,
      /\/original$/,
      /\/first-image$/,
      /\/access-codes\/sheet$/,
      /^\/api\/metrics$/,
    ];
    const undocumented: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      if (notJson.some((re) => re.test(path))) continue;
      for (const [method, op] of Object.entries(ops)) {
        const ok = Object.entries(op.responses ?? {}).filter(([status]) => status.startsWith('2'));
        if (ok.length === 0 || ok.every(([status]) => status === '204')) continue;
        if (!ok.some(([, r]) => r.content?.['application/json']?.schema))
          undocumented.push(`${method.toUpperCase()} ${path}`);
      }
    }
    expect(undocumented).toEqual([]);
  });
});
