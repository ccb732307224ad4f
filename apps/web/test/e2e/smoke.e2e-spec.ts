import { startWebTest, type WebTest } from '../support/browser.js';

describe('smoke', () => {
  let w: WebTest;
  beforeAll(async () => {
    w = await startWebTest();
  });
  afterAll(async () => {
    await w?.close();
  });
  it('signs in', async () => {
    const ctx = await w.context();
    const page = await w.signIn(ctx, 'doc.bjcy');
    await page.getByRole('heading', { name: '患者' }).waitFor();
    await w.shot(page, 'smoke-patients');
  });
});
