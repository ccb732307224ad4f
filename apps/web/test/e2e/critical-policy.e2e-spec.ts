import { recordConsent } from '../../../api/test/support/referrals.js';
import { json } from '../support/api.js';
import { startWebTest, type WebTest } from '../support/browser.js';

// The administrator edits the network's critical findings (危急值项目) for one service on the policy page:
// one finding removed, one added. The reader's critical form then offers the edited list — the new finding
// there, the removed one gone — and a finding raised from the new entry carries its name.
describe('the critical-finding list edited by the administrator', () => {
  let w: WebTest;
  beforeAll(async () => {
    w = await startWebTest();
  });
  afterAll(async () => {
    await w?.close();
  });

  it('removes and adds an ECG finding; the reader’s critical form offers the edited list', async () => {
    const admin = await w.signIn(await w.context(), 'admin');
    await admin.goto('/admin/policy');
    const ecg = admin.getByTestId('critical-policy-ECG');
    const row = (code: string) => ecg.locator(`[data-testid=critical-policy-finding][data-code="${code}"]`);
    await row('vt_vf').waitFor();

    // Remove 室速/室颤 from the ECG list.
    await row('vt_vf').getByRole('button', { name: '删除' }).click();
    await row('vt_vf').waitFor({ state: 'detached' });

    // Add a new one at the end of the ECG list.
    await ecg.getByTestId('critical-add-ECG').click();
    const added = row('');
    await added.getByLabel('代码').fill('brugada');
    await row('brugada').getByLabel('中文名称').fill('Brugada 波形伴晕厥');
    await row('brugada').getByLabel('英文名称').fill('Brugada pattern with syncope');
    await admin.getByTestId('critical-policy-save').click();
    await admin
      .getByRole('status')
      .filter({ hasText: /^已保存（第 \d+ 版）。$/ })
      .waitFor();
    await w.shot(admin, '73-critical-policy-edited');

    // Read back from the server after a reload: the saved list, not the draft.
    await admin.reload();
    await row('brugada').waitFor();
    await expect(row('vt_vf').count()).resolves.toBe(0);
    // The imaging list is untouched.
    await expect(
      admin.getByTestId('critical-policy-IMAGING').getByTestId('critical-policy-finding').count(),
    ).resolves.toBeGreaterThan(0);

    // An ECG referral, sent and taken by the cardiologist.
    const doc = await w.app.login('doc.hyjq');
    const { rows } = await w.app.db.query(`SELECT id FROM patient WHERE mrn = 'BJCY100101'`);
    const created = await json(w, 'POST', '/api/referrals', doc, {
      patientId: rows[0].id,
      service: 'ECG',
      priority: 'URGENT',
      clinicalQuestion: '反复晕厥，心电图 V1-V2 ST 段穹窿样抬高。',
    });
    await w.app.db.query(`UPDATE referral SET snapshot = jsonb_set(snapshot, '{studyCount}', '1') WHERE id = $1`, [
      created.id,
    ]);
    await recordConsent(w.app, doc, created.id);
    await json(w, 'POST', `/api/referrals/${created.id}/events`, doc, { type: 'submit' });
    const claimed = await json(w, 'POST', '/api/referrals/claim-next', await w.app.login('card.chen'));
    expect(claimed.id).toBe(created.id);

    // The reader's critical form offers the edited list.
    const reader = await w.signIn(await w.context(), 'card.chen');
    await reader.goto(`/reading/${created.id}`);
    await reader.getByTestId('critical-open').click();
    const select = reader.getByTestId('critical-finding-select');
    await select.waitFor();
    const offered = await select.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(offered).toContain('brugada');
    expect(offered).toContain('stemi');
    expect(offered).not.toContain('vt_vf');
    await expect(select.locator('option[value=brugada]').textContent()).resolves.toBe(
      'Brugada 波形伴晕厥 · Brugada pattern with syncope',
    );

    // Raised from the new entry, the finding carries the name the administrator gave it.
    await select.selectOption('brugada');
    await reader.getByTestId('critical-note').fill('V1-V2 1 型 Brugada 波形，伴晕厥史');
    await reader.getByTestId('critical-raise').click();
    await expect(reader.getByTestId('critical-raised').textContent()).resolves.toContain('Brugada 波形伴晕厥');
  });
});
