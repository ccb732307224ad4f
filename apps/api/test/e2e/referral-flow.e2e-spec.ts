import { staticRooms } from '#src/modules/realtime/rooms.js';
import type { Actor } from '#src/common/request-context.js';
import { withAccessionNumber } from '../support/dicom-edit.js';
import { sample, stow, stowOutcome } from '../support/dicom-files.js';
import { Listener } from '../support/realtime.js';
import { asFileOf } from '../support/referrals.js';
import { api, startTestApp, type TestApp } from '../support/test-app.js';
import { claimsOf } from '../support/tokens.js';
import { recordConsent } from '../support/referrals.js';

// One referral end to end over HTTP and socket.io: the community doctor opens it and sends a
// real ECG, a connected cardiologist is offered it, accepts, asks a question, gets the answer;
// every party gets every event meant for them exactly once (after de-duplication by id), also
// across a dropped connection.
describe('a referral from the community centre to the ECG reading centre, live', () => {
  let t: TestApp;
  const tokens: Record<string, string> = {};
  const listeners: Record<string, Listener> = {};

  beforeAll(async () => {
    t = await startTestApp();
    for (const u of ['doc.hyjq', 'card.chen', 'coord.liu']) tokens[u] = await t.login(u);
    // Only card.chen is online: card.zhang is on duty but not connected, so the offer goes to card.chen.
    for (const u of ['doc.hyjq', 'card.chen', 'coord.liu']) {
      listeners[u] = new Listener(t.url, tokens[u]!);
      await listeners[u].connected();
    }
  });
  afterAll(async () => {
    Object.values(listeners).forEach((l) => l.close());
    await t.close();
  });

  it('runs the whole conversation with every event delivered exactly once to everyone concerned', async () => {
    const doc = tokens['doc.hyjq']!;
    const cardio = tokens['card.chen']!;
    const { rows } = await t.db.query(`SELECT id FROM patient WHERE mrn = 'BJCY100000'`);
    const patientId = rows[0].id as string;

    // 1. Open the referral: its number is the Accession Number for the studies.
    const created = await api(t, 'POST', '/api/referrals', {
      token: doc,
      body: {
        patientId,
        service: 'ECG',
        priority: 'STAT',
        clinicalQuestion: '胸痛 2 小时，请排除急性心肌梗死',
        history: '高血压 10 年',
      },
    });
    expect(created.status).toBe(201);
    const { id: referralId, number } = created.body;
    expect(number).toMatch(/^ZY\d{11}$/);
    expect(created.body.state).toBe('draft');
    // The patient agrees to remote diagnosis before a witness; the doctor records it on the draft.
    await recordConsent(t, doc, referralId);

    // 2. The ECG arrives by STOW-RS with that Accession Number and joins the referral by itself.
    //    (the real ECG is anonymised: here it is recorded for this patient, as the centre's cart would)
    const ecg = withAccessionNumber(
      await asFileOf(t, sample('ecg/real_mortara_12lead_waveform_ecg.dcm'), patientId),
      number,
    );
    const stored = await stow(t.url, doc, [ecg]);
    expect(stored.status).toBe(200);
    expect(stowOutcome(stored.body).referenced).toHaveLength(1);
    const afterUpload = await api(t, 'GET', `/api/referrals/${referralId}`, { token: doc });
    expect(afterUpload.body.studyCount).toBe(1);
    expect(afterUpload.body.studies[0].modalities).toEqual(['ECG']);
    expect(afterUpload.body.availableEvents).toContain('submit');

    // 3. Submit: the online, on-duty, least-loaded cardiologist is offered it within moments.
    const submitted = await api(t, 'POST', `/api/referrals/${referralId}/events`, {
      token: doc,
      body: { type: 'submit' },
    });
    expect(submitted.status).toBe(200);
    const offer = await listeners['card.chen']!.waitFor(
      (e) => e.event === 'offer.made' && e.payload.referralId === referralId,
    );
    expect(offer.payload).toMatchObject({ number, service: 'ECG', priority: 'STAT' });
    expect(Date.parse(offer.payload.expiresAt)).toBeGreaterThan(Date.now());
    await listeners['coord.liu']!.waitFor((e) => e.event === 'worklist.changed' && e.payload.referralId === referralId);

    // 4. Accept and start reading.
    for (const type of ['accept', 'start_review']) {
      const res = await api(t, 'POST', `/api/referrals/${referralId}/events`, { token: cardio, body: { type } });
      expect(res.status).toBe(200);
    }
    await listeners['doc.hyjq']!.waitFor((e) => e.event === 'referral.changed' && e.payload.state === 'in_review');

    // 5. The community doctor's connection drops; the cardiologist asks a question meanwhile.
    const docSocket = listeners['doc.hyjq']!.socket;
    const reconnected = new Promise<void>((resolve) => docSocket.io.once('reconnect', () => resolve()));
    docSocket.io.engine.close();
    const asked = await api(t, 'POST', `/api/referrals/${referralId}/events`, {
      token: cardio,
      body: { type: 'request_info', message: '请补充：胸痛是否向左肩放射？既往有无心电图？' },
    });
    expect(asked.body.state).toBe('info_requested');
    await reconnected;
    // The question arrives after reconnecting (connection state recovery replays what was missed).
    const question = await listeners['doc.hyjq']!.waitFor(
      (e) => e.event === 'message.posted' && e.payload.kind === 'question',
    );
    const thread = await api(t, 'GET', `/api/referrals/${referralId}/messages`, { token: doc });
    expect(thread.body.find((m: { id: string }) => m.id === question.payload.messageId).body).toContain('左肩');

    // 6. The answer goes back to the cardiologist live.
    const answered = await api(t, 'POST', `/api/referrals/${referralId}/events`, {
      token: doc,
      body: { type: 'answer_info', message: '向左肩放射，3 年前心电图正常。' },
    });
    expect(answered.body.state).toBe('in_review');
    await listeners['card.chen']!.waitFor((e) => e.event === 'message.posted' && e.payload.kind === 'answer');
    await listeners['card.chen']!.waitFor((e) => e.event === 'referral.changed' && e.payload.event === 'answer_info');

    // 7. Each party has exactly the events of its rooms: none missing, none twice after de-duplication.
    const bare = (u: string): Actor => {
      const c = claimsOf(tokens[u]!);
      return {
        id: c.sub as string,
        role: c.role as Actor['role'],
        facilityId: (c.fac as string) ?? null,
        specialty: (c.spec as Actor['specialty']) ?? null,
        readingCentreId: null,
        sessionId: null,
      };
    };
    await new Promise((r) => setTimeout(r, 500));
    for (const u of ['doc.hyjq', 'card.chen', 'coord.liu']) {
      const { rows: expected } = await t.db.query(
        `SELECT o.id::text AS id FROM outbox o WHERE o.rooms && $1::text[] AND o.payload->>'referralId' = $2 ORDER BY o.id`,
        [staticRooms(bare(u)), referralId],
      );
      const got = listeners[u]!.events(undefined, referralId)
        .map((e) => e.payload.id as string)
        .sort((a, b) => Number(a) - Number(b));
      expect({ u, got }).toEqual({ u, got: expected.map((r) => r.id) });
      expect(got.length).toBeGreaterThan(2);
    }
    // The catch-up endpoint gives the same events to someone who missed more than recovery covers.
    const replay = await api(t, 'GET', '/api/events?after=0', { token: doc });
    const replayed = replay.body.items.filter((e: any) => e.payload.referralId === referralId).map((e: any) => e.id);
    expect(replayed).toEqual(
      listeners['doc.hyjq']!.events(undefined, referralId)
        .map((e) => e.payload.id)
        .sort((a, b) => Number(a) - Number(b)),
    );

    // 8. The history holds every step, and the audit trail every change.
    const detail = await api(t, 'GET', `/api/referrals/${referralId}`, { token: cardio });
    expect(detail.body.history.map((h: { event: string }) => h.event)).toEqual([
      'created',
      'update_draft',
      'attach_study',
      'submit',
      'offer',
      'accept',
      'start_review',
      'request_info',
      'answer_info',
    ]);
    const audit = await t.db.query(`SELECT action FROM audit_event WHERE resource_id = $1 ORDER BY id`, [referralId]);
    expect(audit.rows.map((r) => r.action)).toEqual(
      expect.arrayContaining([
        'referral.create',
        'referral.submit',
        'referral.offer',
        'referral.accept',
        'referral.request_info',
        'referral.message.post',
      ]),
    );
  });

  it('refuses a stale transition and a forbidden one, changing nothing', async () => {
    const doc = tokens['doc.hyjq']!;
    const { rows } = await t.db.query(`SELECT id, row_version, state FROM referral ORDER BY created_at LIMIT 1`);
    const { id, row_version } = rows[0];
    const stale = await api(t, 'POST', `/api/referrals/${id}/events`, {
      token: doc,
      body: { type: 'submit', expectedVersion: row_version },
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('STALE_STATE');
    const outdated = await api(t, 'POST', `/api/referrals/${id}/events`, {
      token: doc,
      body: { type: 'cancel', reason: 'patient_withdrew', expectedVersion: row_version - 1 },
    });
    expect(outdated.status).toBe(409);
    const notMine = await api(t, 'POST', `/api/referrals/${id}/events`, {
      token: tokens['coord.liu']!,
      body: { type: 'request_info', message: '?' },
    });
    expect(notMine.status).toBe(403);
    const after = await t.db.query(`SELECT row_version, state FROM referral WHERE id = $1`, [id]);
    expect(after.rows[0]).toEqual({ row_version, state: rows[0].state });
  });

  it("keeps sockets within scope: no token, a bad token, and another centre's referral are refused", async () => {
    const bad = new Listener(t.url, 'not-a-token');
    await expect(bad.connected()).rejects.toThrow(/unauthorized/);
    bad.close();
    const other = new Listener(t.url, await t.login('doc.hyqc'));
    await other.connected();
    const { rows } = await t.db.query(`SELECT id FROM referral LIMIT 1`);
    const ack = await other.socket.emitWithAck('referral.watch', rows[0].id);
    expect(ack).toEqual({ ok: false, error: 'not_found' });
    const own = await listeners['doc.hyjq']!.socket.emitWithAck('referral.watch', rows[0].id);
    expect(own).toEqual({ ok: true });
    other.close();
  });
});
