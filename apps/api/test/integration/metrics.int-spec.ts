import { withAccessionNumber } from '../support/dicom-edit.js';
import { CT_SLICE, sample, stow } from '../support/dicom-files.js';
import { Listener } from '../support/realtime.js';
import { asFileOf } from '../support/referrals.js';
import { api, startTestApp, type TestApp } from '../support/test-app.js';
import { recordConsent } from '../support/referrals.js';

const TOKEN = 'metrics-token-for-the-test-0123456789abcdef';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition. */
function parse(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

const scrape = (t: TestApp, token?: string) =>
  fetch(`${t.url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

describe('GET /metrics without a configured token', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('does not exist (404), whatever is presented', async () => {
    await expect(scrape(t)).resolves.toMatchObject({ status: 404 });
    await expect(scrape(t, TOKEN)).resolves.toMatchObject({ status: 404 });
  });
});

describe('GET /metrics with METRICS_TOKEN', () => {
  let t: TestApp;
  let doc: string;
  let listener: Listener | undefined;
  beforeAll(async () => {
    t = await startTestApp({ METRICS_TOKEN: TOKEN });
    doc = await t.login('doc.hyjq');
  });
  afterAll(async () => {
    listener?.socket.close();
    await t.close();
  });

  async function samples(): Promise<Sample[]> {
    const res = await scrape(t, TOKEN);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parse(await res.text());
  }
  const find = (all: Sample[], name: string, labels: Record<string, string> = {}) =>
    all.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  const value = (all: Sample[], name: string, labels: Record<string, string> = {}) =>
    find(all, name, labels).reduce((sum, s) => sum + s.value, 0);

  it('refuses a missing or wrong token with 401', async () => {
    const none = await scrape(t);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    await expect(scrape(t, `${TOKEN}x`)).resolves.toMatchObject({ status: 401 });
    await expect(scrape(t, 'short')).resolves.toMatchObject({ status: 401 });
  });

  it('reports requests, studies, queues, timers, outbox, sockets and the pool, with no patient data in any label', async () => {
    // A referral submitted to the ECG reading centre, with its study.
    const { rows: patients } = await t.db.query(`SELECT id FROM patient WHERE mrn = 'BJCY100102'`);
    const patientId = patients[0].id as string;
    const created = await api(t, 'POST', '/api/referrals', {
      token: doc,
      body: { patientId, service: 'ECG', priority: 'ROUTINE', clinicalQuestion: '胸闷待查' },
    });
    expect(created.status).toBe(201);
    // the ECG as recorded for this patient (the sample names another)
    const ecg = withAccessionNumber(
      await asFileOf(t, sample('ecg/syn_ecg_sinus_utf8_scpecg.dcm'), patientId),
      created.body.number,
    );
    expect((await stow(t.url, doc, [ecg])).status).toBe(200);
    await recordConsent(t, doc, created.body.id);
    const submitted = await api(t, 'POST', `/api/referrals/${created.body.id}/events`, {
      token: doc,
      body: { type: 'submit' },
    });
    expect(submitted.status).toBe(200);
    // A part that is not DICOM, and a whole request of the wrong type.
    expect((await stow(t.url, doc, [sample(CT_SLICE), Buffer.from('not a DICOM file at all')])).status).toBe(202);
    const wrongType = await fetch(`${t.url}/dicomweb/studies`, {
      method: 'POST',
      headers: { authorization: `Bearer ${doc}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(wrongType.status).toBe(415);
    // One resumable upload of a whole file.
    const ct = sample(CT_SLICE);
    const tus = { 'tus-resumable': '1.0.0', authorization: `Bearer ${doc}` };
    const createdUpload = await fetch(`${t.url}/api/uploads`, {
      method: 'POST',
      headers: { ...tus, 'upload-length': String(ct.length) },
    });
    expect(createdUpload.status).toBe(201);
    const uploaded = await fetch(new URL(createdUpload.headers.get('location')!, `${t.url}/api/uploads`), {
      method: 'PATCH',
      headers: { ...tus, 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
      body: ct,
    });
    expect(uploaded.status).toBe(200);
    // A read by id: counted under its template, never its path.
    expect((await api(t, 'GET', `/api/patients/${patientId}`, { token: doc })).status).toBe(200);
    // A live connection.
    listener = new Listener(t.url, doc);
    await listener.connected();

    let all = await samples();
    for (let i = 0; i < 50 && value(all, 'zhiyin_socketio_connections') < 1; i++) {
      await new Promise((r) => setTimeout(r, 100));
      all = await samples();
    }

    // Requests by route template and status class.
    expect(
      value(all, 'zhiyin_http_requests_total', { method: 'GET', route: '/api/patients/:id', status_class: '2xx' }),
    ).toBe(1);
    expect(
      value(all, 'zhiyin_http_requests_total', { method: 'POST', route: '/api/referrals', status_class: '2xx' }),
    ).toBe(1);
    expect(
      value(all, 'zhiyin_http_request_duration_seconds_count', { method: 'POST', route: '/dicomweb/studies' }),
    ).toBe(3);
    expect(find(all, 'zhiyin_http_request_duration_seconds_bucket').length).toBeGreaterThan(0);
    expect(value(all, 'zhiyin_http_open_connections')).toBeGreaterThanOrEqual(1);

    // Studies received, stored and refused by code.
    expect(value(all, 'zhiyin_stow_received_bytes_total', { via: 'stow' })).toBeGreaterThan(
      ecg.length + sample(CT_SLICE).length,
    );
    expect(value(all, 'zhiyin_stow_instances_stored_total', { via: 'stow' })).toBe(2);
    expect(value(all, 'zhiyin_stow_refusals_total', { via: 'stow', code: 'NOT_DICOM' })).toBe(1);
    expect(value(all, 'zhiyin_stow_refusals_total', { via: 'stow', code: 'UNSUPPORTED_MEDIA_TYPE' })).toBe(1);
    expect(value(all, 'zhiyin_stow_received_bytes_total', { via: 'upload' })).toBe(ct.length);
    expect(value(all, 'zhiyin_stow_instances_stored_total', { via: 'upload' })).toBe(1);
    expect(value(all, 'zhiyin_http_requests_total', { method: 'PATCH', route: '/api/uploads/:id' })).toBe(1);

    // The ECG reading centre's queue holds the one referral (waiting: submitted or already offered).
    const { rows: centres } = await t.db.query(
      `SELECT rc.id FROM reading_centre rc JOIN facility f ON f.hub_id = rc.hub_id
        WHERE f.code = 'HYJQ' AND rc.service = 'ECG'`,
    );
    const ecgCentre = centres[0].id as string;
    const waiting = ['submitted', 'offered'].map((state) =>
      value(all, 'zhiyin_referral_queue_depth', { reading_centre: ecgCentre, state }),
    );
    expect(waiting[0]! + waiting[1]!).toBe(1);
    expect(value(all, 'zhiyin_referral_queue_depth', { service: 'IMAGING' })).toBe(0);
    const oldest = find(all, 'zhiyin_referral_queue_oldest_seconds', { reading_centre: ecgCentre }).find(
      (s) => s.value > 0,
    );
    expect(oldest?.value).toBeLessThan(600);

    // Timers of the submitted referral: scheduled, none overdue.
    expect(value(all, 'zhiyin_timers_pending')).toBeGreaterThanOrEqual(1);
    expect(value(all, 'zhiyin_timers_overdue')).toBe(0);
    expect(find(all, 'zhiyin_timers_overdue_oldest_seconds').length).toBeGreaterThan(0);

    // Outbox lag, sockets, pool.
    expect(find(all, 'zhiyin_outbox_undelivered')).toHaveLength(1);
    expect(value(all, 'zhiyin_outbox_oldest_undelivered_seconds')).toBeGreaterThanOrEqual(0);
    expect(value(all, 'zhiyin_socketio_connections')).toBe(1);
    expect(value(all, 'zhiyin_db_pool_connections', { state: 'total' })).toBeGreaterThanOrEqual(1);
    expect(find(all, 'zhiyin_db_pool_connections', { state: 'waiting' })).toHaveLength(1);
    expect(value(all, 'zhiyin_db_pool_connections', { state: 'max' })).toBeGreaterThan(0);
    expect(find(all, 'process_resident_memory_bytes')).toHaveLength(1);

    // No label carries a patient's name, record number, national ID or id, nor any raw path or query.
    const { rows: seeded } = await t.db.query(
      `SELECT id::text, mrn, family_name_zh || given_name_zh AS name_zh, name_pinyin, national_id_masked FROM patient`,
    );
    expect(seeded.length).toBeGreaterThan(0);
    const identifiers = seeded.flatMap((p) =>
      [p.id, p.mrn, p.name_zh, p.name_pinyin, p.national_id_masked].filter((v): v is string => !!v && v.length >= 2),
    );
    const labelValues = all.flatMap((s) => Object.values(s.labels));
    for (const v of labelValues) {
      for (const id of identifiers) expect(v).not.toContain(id);
      expect(v).not.toMatch(/[?=]|^\/api\/patients\/[0-9a-f]{8}-/);
    }
  });
});
