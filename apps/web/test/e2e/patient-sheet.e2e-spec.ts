import { startWebTest, type WebTest } from '../support/browser.js';

// The community doctor issues a patient's code and prints the patient sheet; the patient scans its QR code,
// which opens the sign-in page with the code already filled in from the URL fragment.
describe('the patient sheet and its QR code', () => {
  let w: WebTest;
  let patientId = '';
  let birth = '';
  let code = '';

  beforeAll(async () => {
    w = await startWebTest();
    const { rows } = await w.app.db.query(`SELECT id, birth_date::text AS birth FROM patient WHERE mrn = 'BJCY100101'`);
    patientId = rows[0].id as string;
    birth = rows[0].birth as string;
  });
  afterAll(async () => {
    await w?.close();
  });

  it('prints the sheet for the code just shown', async () => {
    const ctx = await w.context();
    const page = await w.signIn(ctx, 'doc.hyjq');
    await page.goto(`/desk/patients/${patientId}`);
    await page.getByTestId('issue-code').click();
    code = ((await page.getByTestId('access-code').textContent()) ?? '').trim();
    expect(code).toMatch(/^[2-9A-Z]{5}-[2-9A-Z]{5}$/);
    const sheet = page.waitForResponse((r) => r.url().endsWith(`/api/patients/${patientId}/access-codes/sheet`));
    const popup = ctx.waitForEvent('page');
    await page.getByRole('button', { name: '打印患者须知' }).click();
    const res = await sheet;
    expect({ status: res.status(), type: res.headers()['content-type'] }).toEqual({
      status: 200,
      type: 'application/pdf',
    });
    // The code went in the body of the POST, not in any URL.
    expect(res.request().url()).not.toContain(code);
    expect(res.request().postDataJSON()).toEqual({ code });
    await (await popup).waitForURL((u) => u.protocol === 'blob:');
  });

  it('opens the sign-in page from the QR link with the code filled in, and drops it from the address bar', async () => {
    const phone = await w.context({ mobile: true });
    const page = await phone.newPage();
    page.setDefaultTimeout(20_000);
    await page.goto(`/patient/sign-in#code=${code}`);
    await expect(page.getByLabel('查询码').inputValue()).resolves.toBe(code);
    await expect(page.evaluate(() => window.location.href)).resolves.not.toContain(code);
    await page.getByLabel('出生日期').fill(birth);
    await page.getByRole('button', { name: '查看' }).click();
    await page.waitForURL((u) => u.pathname === '/patient');
  });
});
