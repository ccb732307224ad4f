import { join } from 'node:path';
import { recordConsent } from '../../../api/test/support/referrals.js';
import { withPatient } from '../../../api/test/support/dicom-edit.js';
import { json } from '../support/api.js';
import { SHARED_DATA, startWebTest, type WebTest } from '../support/browser.js';
import { sample, stowInstances } from '../support/data.js';

// An ECG of 赵建国 (born 1944, recorded in 2024) chosen by mistake for 王建国's STAT referral (born 1952): the desk
// holds it with both identities side by side until the doctor removes it or confirms it with a reason; the
// cardiologist then sees the file's own patient and recording time beside the referral's patient, and the warnings.
const ZHAO_ECG = 'ecg/syn_ecg_afib_utf8.dcm';

describe('the right patient’s file', () => {
  let w: WebTest;
  let referral: { id: string; number: string };

  beforeAll(async () => {
    w = await startWebTest();
    const doc = await w.app.login('doc.hyjq');
    const { rows } = await w.app.db.query(`SELECT id FROM patient WHERE mrn = 'BJCY100101'`);
    referral = await json(w, 'POST', '/api/referrals', doc, {
      patientId: rows[0].id,
      service: 'ECG',
      priority: 'STAT',
      clinicalQuestion: '心悸1小时',
    });
  });
  afterAll(async () => {
    await w?.close();
  });

  const linked = async () =>
    (
      await w.app.db.query(
        `SELECT count(*)::int AS n, max(patient_override ->> 'reason') AS reason FROM study
                             WHERE referral_id = $1`,
        [referral.id],
      )
    ).rows[0] as { n: number; reason: string | null };

  it('holds another patient’s ECG in the desk, both identities side by side, until confirmed with a reason', async () => {
    const page = await w.signIn(await w.context(), 'doc.hyjq');
    await page.goto(`/referrals/${referral.id}`);
    await page.locator('[data-testid=live][data-live=true]').waitFor();
    await page.getByTestId('add-studies').click();
    await page.getByTestId('file-input').setInputFiles(join(SHARED_DATA, ZHAO_ECG));
    await page.getByTestId('send').click();

    const held = page.getByTestId('held-file');
    await held.waitFor();
    await page.locator('[data-testid=upload-status][data-held="1"][data-stored="0"]').waitFor();
    await expect(page.getByTestId('upload-item').getAttribute('data-state')).resolves.toBe('held');
    const row = (field: string) => held.locator(`tr[data-field=${field}]`);
    // the file's patient, beside the referral's
    await expect(row('name').getByTestId('held-file-value').textContent()).resolves.toContain('赵建国');
    await expect(row('name').getByTestId('held-patient-value').textContent()).resolves.toContain('王建国');
    await expect(row('birthDate').getByTestId('held-file-value').textContent()).resolves.toBe('1944-11-02');
    await expect(row('birthDate').getByTestId('held-patient-value').textContent()).resolves.toBe('1952-07-21');
    await expect(row('patientId').getByTestId('held-patient-value').textContent()).resolves.toBe('BJCY100101');
    await expect(row('acquiredAt').getByTestId('held-file-value').textContent()).resolves.toBe('2024-05-20 09:15:00');
    for (const f of ['name', 'birthDate', 'patientId'])
      await expect(row(f).getAttribute('data-differs')).resolves.toBe('true');
    await expect(row('sex').getAttribute('data-differs')).resolves.toBe('false');
    await w.shot(page, '60-desk-held-file');
    // nothing joined the referral, nothing was stored
    await expect(linked()).resolves.toEqual({ n: 0, reason: null });

    // No reason, no sending.
    await held.getByTestId('held-confirm').click();
    await held.getByText('请填写理由后再确认发送').waitFor();
    await expect(page.getByTestId('upload-item').getAttribute('data-state')).resolves.toBe('held');

    await held.getByTestId('held-reason').fill('心电图机沿用了上一位患者的信息，已当面核对为本人');
    await held.getByTestId('held-confirm').click();
    await page.locator('[data-testid=upload-status][data-stored="1"][data-held="0"]').waitFor();
    await expect(linked()).resolves.toEqual({ n: 1, reason: '心电图机沿用了上一位患者的信息，已当面核对为本人' });
  });

  it('files the confirmed study under the referral’s patient: the study page names him, his page lists it', async () => {
    const { rows } = await w.app.db.query(
      `SELECT study_instance_uid AS uid, patient_id FROM study WHERE referral_id = $1`,
      [referral.id],
    );
    const page = await w.signIn(await w.context(), 'doc.hyjq');
    await page.goto(`/studies/${rows[0].uid}`);
    await page.getByTestId('study-filing').waitFor();
    await expect(page.getByTestId('study-patient').textContent()).resolves.toContain('王建国');
    await expect(page.getByTestId('study-patient').textContent()).resolves.not.toContain('Anonymous');
    await expect(page.getByTestId('study-filing').textContent()).resolves.toContain(referral.number);
    await expect(page.getByTestId('study-filing').textContent()).resolves.toContain('赵建国');
    await page.getByTestId('study-identity-warning').waitFor();
    await page.goto(`/desk/patients/${rows[0].patient_id}`);
    await page.locator(`a[href="/studies/${rows[0].uid}"]`).first().waitFor();
  });

  it('lets the doctor remove a held file instead: nothing is sent', async () => {
    const doc = await w.app.login('doc.hyjq');
    const { rows } = await w.app.db.query(`SELECT id FROM patient WHERE mrn = 'BJCY100102'`);
    const other = await json(w, 'POST', '/api/referrals', doc, {
      patientId: rows[0].id,
      service: 'ECG',
      priority: 'URGENT',
      clinicalQuestion: '胸闷',
    });
    const page = await w.signIn(await w.context(), 'doc.hyjq');
    await page.goto(`/referrals/${other.id}`);
    await page.getByTestId('add-studies').click();
    await page.getByTestId('file-input').setInputFiles(join(SHARED_DATA, 'ecg/syn_ecg_sinus_utf8_scpecg.dcm'));
    await page.getByTestId('send').click();
    await page.getByTestId('held-file').waitFor();
    await page.getByTestId('held-remove').click();
    await page.getByTestId('held-file').waitFor({ state: 'detached' });
    await expect(page.getByTestId('upload-item').count()).resolves.toBe(0);
    const { rows: studies } = await w.app.db.query(`SELECT 1 FROM study WHERE referral_id = $1`, [other.id]);
    expect(studies).toHaveLength(0);
  });

  it('holds a stored study of another patient when the doctor attaches it, until confirmed with a reason', async () => {
    const doc = await w.app.login('doc.hyjq');
    const { rows } = await w.app.db.query(`SELECT id FROM patient WHERE mrn = 'BJCY100103'`);
    const r = await json(w, 'POST', '/api/referrals', doc, {
      patientId: rows[0].id,
      service: 'ECG',
      priority: 'ROUTINE',
      clinicalQuestion: '胸闷',
    });
    // An ECG stored earlier under this patient's record number, but with another man's name and birth date.
    await stowInstances(w.url, doc, [withPatient(sample('ecg/syn_ecg_sinus_utf8_scpecg.dcm'), { id: 'BJCY100103' })]);
    const page = await w.signIn(await w.context(), 'doc.hyjq');
    await page.goto(`/referrals/${r.id}`);
    await page.getByTestId('add-studies').click();
    await page.getByRole('button', { name: '加入本转诊' }).click();
    const held = page.getByTestId('held-file');
    await held.waitFor();
    await expect(held.locator('tr[data-field=name]').getAttribute('data-differs')).resolves.toBe('true');
    await expect(held.locator('tr[data-field=patientId]').getAttribute('data-differs')).resolves.toBe('false');
    await held.getByTestId('held-reason').fill('已核对：同一患者在设备上的英文名录入有误');
    await held.getByTestId('held-confirm').click();
    await held.waitFor({ state: 'detached' });
    await page.getByTestId('referral-study').waitFor();
    const { rows: linked } = await w.app.db.query(
      `SELECT patient_override ->> 'reason' AS reason FROM study WHERE referral_id = $1`,
      [r.id],
    );
    expect(linked).toEqual([{ reason: '已核对：同一患者在设备上的英文名录入有误' }]);
  });

  it('shows the reader the file’s own patient and recording time beside the referral’s patient, with the warnings', async () => {
    const doc = await w.app.login('doc.hyjq');
    const coord = await w.app.login('coord.liu');
    const cardio = await w.app.login('card.zhang');
    const cardioId = (await w.app.db.query(`SELECT id FROM app_user WHERE username = 'card.zhang'`)).rows[0].id;
    await recordConsent(w.app, doc, referral.id);
    await json(w, 'POST', `/api/referrals/${referral.id}/events`, doc, { type: 'submit' });
    await json(w, 'POST', `/api/referrals/${referral.id}/events`, coord, {
      type: 'reassign',
      specialistId: cardioId,
    });
    await json(w, 'POST', `/api/referrals/${referral.id}/events`, cardio, { type: 'accept' });

    const page = await w.signIn(await w.context(), 'card.zhang');
    await page.goto(`/reading/${referral.id}`);
    const study = page.getByTestId('provenance-study');
    await study.waitFor();
    await expect(study.getByTestId('file-name').textContent()).resolves.toContain('赵建国');
    await expect(study.getByTestId('file-patient-id').textContent()).resolves.toBe('BJDC100003');
    await expect(study.getByTestId('file-birth-date').textContent()).resolves.toBe('1944-11-02');
    await expect(study.textContent()).resolves.toContain('王建国');
    await expect(study.textContent()).resolves.toContain('1952-07-21');
    const acquired = (await study.getByTestId('file-acquired').textContent())!;
    expect(acquired).toBe('2024-05-20 09:15:00');
    await expect(study.getByTestId('file-device').textContent()).resolves.toContain('SA-Synth');
    // the identity warning names the fields and the doctor's reason; the 2024 recording is flagged as old
    const identity = study.getByTestId('provenance-identity-warning');
    await expect(identity.textContent()).resolves.toContain('不一致');
    await expect(identity.textContent()).resolves.toContain('心电图机沿用了上一位患者的信息，已当面核对为本人');
    await expect(study.getByTestId('provenance-age-warning').textContent()).resolves.toMatch(/超过 30 天/);
    await expect(study.getAttribute('data-verdict')).resolves.toBe('mismatch');
    await w.shot(page, '61-reading-provenance');
  });
});
