import { api, startTestApp, type TestApp } from '../support/test-app.js';

// The administrator finds things in the audit trail by referral number, MRN and patient name, sees the
// names beside the ids, and exports the same rows as CSV that spreadsheet programs open safely.
describe('audit trail search and export', () => {
  let t: TestApp;
  let doc: string;
  let admin: string;
  let patientA: { id: string; mrn: string };
  let patientB: { id: string; mrn: string };
  let referralA: { id: string; number: string };
  let referralB: { id: string; number: string };

  const csv = async (query: string, token = admin) => {
    const res = await fetch(`${t.url}/api/audit/export.csv${query}`, { headers: { authorization: `Bearer ${token}` } });
    const bytes = new Uint8Array(await res.arrayBuffer());
    return {
      status: res.status,
      headers: res.headers,
      bytes,
      text: new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes),
    };
  };

  /** A small RFC 4180 reader: quoted fields, doubled quotes, CRLF inside quotes. */
  const parseCsv = (text: string): string[][] => {
    const rows: string[][] = [];
    let row: string[] = [];
    let field = '';
    let quoted = false;
    const endField = () => {
      row.push(field);
      field = '';
    };
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (quoted) {
        if (c === '"' && text[i + 1] === '"') {
          field += '"';
          i++;
        } else if (c === '"') quoted = false;
        else field += c;
      } else if (c === '"') quoted = true;
      else if (c === ',') endField();
      else if (c === '\r' && text[i + 1] === '\n') {
        endField();
        rows.push(row);
        row = [];
        i++;
      } else field += c;
    }
    if (field || row.length) {
      endField();
      rows.push(row);
    }
    return rows;
  };

  beforeAll(async () => {
    t = await startTestApp();
    [doc, admin] = await Promise.all([t.login('doc.hyjq'), t.login('admin')]);
    const mk = async (mrn: string, familyNameZh: string, givenNameZh: string) => {
      const res = await api(t, 'POST', '/api/patients', {
        token: doc,
        body: { mrn, familyNameZh, givenNameZh, sex: 'M', birthDate: '1952-03-04' },
      });
      expect(res.status).toBe(201);
      return { id: res.body.id as string, mrn };
    };
    patientA = await mk('AUDSRCH001', '欧阳', '建国');
    patientB = await mk('AUDSRCH002', '司马', '光');
    const refer = async (patientId: string) => {
      const res = await api(t, 'POST', '/api/referrals', {
        token: doc,
        body: { patientId, service: 'IMAGING', modality: 'CT', priority: 'ROUTINE', clinicalQuestion: '胸痛' },
      });
      expect(res.status).toBe(201);
      return { id: res.body.id as string, number: res.body.number as string };
    };
    referralA = await refer(patientA.id);
    referralB = await refer(patientB.id);
    await api(t, 'GET', `/api/referrals/${referralA.id}`, { token: doc });
    await api(t, 'GET', `/api/referrals/${referralB.id}`, { token: doc });
    await api(t, 'GET', `/api/patients/${patientA.id}`, { token: doc });
  });
  afterAll(async () => {
    await t.close();
  });

  it('finds by referral number exactly the rows about that referral, with the names beside the ids', async () => {
    const res = await api(t, 'GET', `/api/audit?referralNumber=${referralA.number}&limit=500`, { token: admin });
    expect(res.status).toBe(200);
    const expected = await t.db.query(
      `SELECT id::text FROM audit_event WHERE resource_type = 'referral' AND resource_id = $1 ORDER BY id DESC`,
      [referralA.id],
    );
    expect(expected.rows.length).toBeGreaterThanOrEqual(2);
    expect(res.body.items.map((r: { id: string }) => r.id)).toEqual(expected.rows.map((r) => r.id));
    const read = res.body.items.find((r: { action: string }) => r.action === 'referral.read');
    expect(read).toMatchObject({
      actor: { username: 'doc.hyjq' },
      referral: { id: referralA.id, number: referralA.number },
      patient: { id: patientA.id, mrn: 'AUDSRCH001', nameZh: '欧阳建国' },
      facility: { code: expect.any(String), nameZh: expect.any(String) },
    });
    expect(read.actor.displayNameZh).toBeTruthy();
  });

  it('finds by MRN exactly the rows about that patient, directly or through their referral', async () => {
    const res = await api(t, 'GET', `/api/audit?mrn=${patientA.mrn}&limit=500`, { token: admin });
    expect(res.status).toBe(200);
    const expected = await t.db.query(
      `SELECT id::text FROM audit_event a
        WHERE a.patient_id = $1
           OR (a.patient_id IS NULL AND a.resource_type = 'referral' AND a.resource_id = $2)
        ORDER BY id DESC`,
      [patientA.id, referralA.id],
    );
    expect(res.body.items.map((r: { id: string }) => r.id)).toEqual(expected.rows.map((r) => r.id));
    expect(res.body.items.map((r: { action: string }) => r.action)).toEqual(
      expect.arrayContaining(['patient.create', 'patient.read', 'referral.read']),
    );
    expect(res.body.items.every((r: { patient: { mrn: string } }) => r.patient.mrn === patientA.mrn)).toBe(true);
  });

  it('finds by part of the patient name in Chinese characters or pinyin', async () => {
    const han = await api(t, 'GET', `/api/audit?patientName=${encodeURIComponent('欧阳')}&limit=500`, {
      token: admin,
    });
    const pinyin = await api(t, 'GET', `/api/audit?patientName=ouyang&limit=500`, { token: admin });
    for (const res of [han, pinyin]) {
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeGreaterThan(0);
      expect(res.body.items.every((r: { patient: { id: string } }) => r.patient.id === patientA.id)).toBe(true);
    }
  });

  it('audits the search itself, naming only the kinds of filter used', async () => {
    const res = await api(t, 'GET', `/api/audit?mrn=${patientB.mrn}&outcome=success`, { token: admin });
    expect(res.status).toBe(200);
    const { rows } = await t.db.query(
      `SELECT details, patient_id FROM audit_event WHERE action = 'audit.search' AND request_id = $1`,
      [res.headers.get('x-request-id')],
    );
    expect(rows).toEqual([{ details: { filters: ['mrn', 'outcome'], rows: res.body.items.length }, patient_id: null }]);
    expect(JSON.stringify(rows)).not.toContain(patientB.mrn);
  });

  it('reads the whole trail, rows whose ids are not UUIDs included', async () => {
    // Rows the app writes with other kinds of id: a patient's session as actor, a DICOM UID as study.
    const { rows } = await t.db.query(
      `INSERT INTO audit_event (actor_id, actor_role, action, resource_type, resource_id, outcome)
       VALUES ('code-session-1', 'patient', 'decision.read', 'referral', 'not-a-uuid', 'success'),
              ('not-a-uuid', 'specialist', 'study.retrieve', 'study', '1.2.840.113619.2.1', 'success')
       RETURNING id::text`,
    );
    for (const query of ['?limit=500', `?referralNumber=${referralA.number}`, `?mrn=${patientA.mrn}`]) {
      const res = await api(t, 'GET', `/api/audit${query}`, { token: admin });
      expect(res.status).toBe(200);
      if (query === '?limit=500')
        expect(res.body.items.map((r: { id: string }) => r.id)).toEqual(expect.arrayContaining(rows.map((r) => r.id)));
    }
  });

  it('refuses a bad referral number, an impossible date and an inverted range, and pages with a bounded limit', async () => {
    for (const q of ['referralNumber=1%27%20OR%201=1', 'from=2026-02-30', 'from=2026-03-02&to=2026-03-01', 'limit=501'])
      expect((await api(t, 'GET', `/api/audit?${q}`, { token: admin })).status).toBe(400);
    const first = await api(t, 'GET', `/api/audit?mrn=${patientA.mrn}&limit=1`, { token: admin });
    expect(first.body.items).toHaveLength(1);
    const next = await api(t, 'GET', `/api/audit?mrn=${patientA.mrn}&limit=1&before=${first.body.nextBefore}`, {
      token: admin,
    });
    expect(Number(next.body.items[0].id)).toBeLessThan(Number(first.body.items[0].id));
  });

  it('exports the filtered rows as UTF-8 CSV with a BOM, a header and the names', async () => {
    const res = await csv(`?referralNumber=${referralB.number}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv; charset=utf-8/);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="audit-\d{4}-\d{2}-\d{2}\.csv"$/);
    expect(res.headers.get('x-export-max-rows')).toBe('100000');
    expect([...res.bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const [header, ...rows] = parseCsv(res.text.slice(1));
    expect(header!.slice(0, 3)).toEqual(['id', 'at', 'actor_username']);
    const col = (name: string) => header!.indexOf(name);
    expect(rows.length).toBeGreaterThanOrEqual(2);
    for (const r of rows) {
      expect(r[col('referral_number')]).toBe(referralB.number);
      expect(r[col('patient_mrn')]).toBe(patientB.mrn);
      expect(r[col('patient_name_zh')]).toBe('司马光');
    }
    expect(rows.map((r) => r[col('action')])).toContain('referral.read');
    // The export is on the trail, without the filter values.
    const { rows: audited } = await t.db.query(
      `SELECT details FROM audit_event WHERE action = 'audit.export' ORDER BY id DESC LIMIT 1`,
    );
    expect(audited[0].details).toEqual({ filters: ['referralNumber'], maxRows: 100000 });
  });

  it('quotes commas, quotes and line breaks, and neutralises values a spreadsheet would run as formulas', async () => {
    // A display name an administrator typed: the export must show it as text, not run it.
    const evil = '=HYPERLINK("http://x.test/?a,b","点\r\n我")';
    const user = await api(t, 'POST', '/api/users', {
      token: admin,
      body: {
        username: 'csv.evil',
        displayNameZh: evil,
        displayNameEn: '@SUM(1+1)',
        role: 'community_doctor',
        facilityId: (await t.db.query(`SELECT facility_id FROM app_user WHERE username = 'doc.hyjq'`)).rows[0]
          .facility_id,
        password: 'Csv-evil-pass-2030',
      },
    });
    expect(user.status).toBe(201);
    const token = await t.login('csv.evil', 'Csv-evil-pass-2030');
    await api(t, 'GET', `/api/patients/${patientA.id}`, { token });
    const res = await csv(`?actor=csv.evil&action=patient.read`);
    expect(res.status).toBe(200);
    const [header, ...rows] = parseCsv(res.text.slice(1));
    expect(rows).toHaveLength(1);
    expect(rows[0]![header!.indexOf('actor_name_zh')]).toBe(`'${evil}`);
    expect(rows[0]![header!.indexOf('actor_name_en')]).toBe(`'@SUM(1+1)`);
    // The raw bytes: the quotes doubled and the line break kept inside one quoted field.
    expect(res.text).toContain(`"'=HYPERLINK(""http://x.test/?a,b"",""点\r\n我"")"`);
  });

  it('is for administrators only: others get the same refusal as the rest of the admin API', async () => {
    const res = await csv('', doc);
    expect(res.status).toBe(403);
    expect(res.text).not.toContain('AUDSRCH');
    const anon = await fetch(`${t.url}/api/audit/export.csv`);
    expect(anon.status).toBe(401);
  });
});
