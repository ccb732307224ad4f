import { dcmtk } from '../../../api/test/support/dcmtk.js';
import { freePort } from '../../../api/test/support/ports.js';
import type { Page } from 'playwright-core';
import { startWebTest, type WebTest } from '../support/browser.js';

// The administrator's page of DICOM devices and centre gateways (设备与网关): a modality's calling AE title is
// registered to its community centre from the page and can then associate (echoscu, the real dcmtk peer); a
// deactivated one is refused again; a gateway account's credential is shown once, signs the gateway in, and stops
// working the moment the account is revoked.
describe('devices and gateways, registered by the administrator', () => {
  let w: WebTest;
  let port: number;
  let admin: Page;
  const echo = (calling: string) => dcmtk('echoscu', ['-aet', calling, '-aec', 'ZHIYIN', '127.0.0.1', String(port)]);
  const exchange = (credential: string) =>
    fetch(`${w.app.url}/api/auth/service-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ credential }),
    });

  beforeAll(async () => {
    port = await freePort();
    w = await startWebTest({ DICOM_PORT: String(port), DICOM_AE_TITLE: 'ZHIYIN' });
    admin = await w.signIn(await w.context(), 'admin');
  });
  afterAll(async () => {
    await w?.close();
  });

  it('registers a centre’s DR by its AE title, which may then associate; deactivated, it is refused again', async () => {
    // Not registered yet: the association is rejected.
    await expect(echo('JQ_DR1').then((r) => r.code)).resolves.not.toBe(0);

    await admin.goto('/admin');
    await admin.getByRole('link', { name: '设备与网关' }).click();
    await admin.getByRole('heading', { level: 1, name: '设备与网关' }).waitFor();
    const aes = admin.getByTestId('dicom-aes');
    await aes.getByRole('button', { name: '登记设备' }).click();
    // The form checks the title before sending: a backslash is not allowed in an AE title.
    await aes.getByLabel('AE 标题').fill('JQ\\DR1');
    await aes.getByLabel('所属机构').selectOption({ label: '武汉市汉阳区建桥街社区卫生服务中心' });
    await aes.getByRole('button', { name: '保存' }).click();
    await aes.getByText('AE 标题须为 1–16 个可打印英文字符（不含反斜杠）。').waitFor();

    await aes.getByLabel('AE 标题').fill('jq_dr1'); // typed in lower case, registered as the device sends it
    await aes.getByLabel('检查类型（Modality）').fill('DX');
    await aes.getByLabel('姓名字符集').selectOption('GB18030');
    await aes.getByRole('button', { name: '保存' }).click();
    await admin.getByRole('status').filter({ hasText: '已登记设备 JQ_DR1。' }).waitFor();
    const row = aes.getByTestId('dicom-ae-row').filter({ hasText: 'JQ_DR1' });
    await expect(row.textContent()).resolves.toMatch(/建桥街.*检查设备.*DX.*不限.*GB18030.*在用/);
    await w.shot(admin, '80-admin-devices');

    const echoed = await echo('JQ_DR1');
    expect({ code: echoed.code, out: echoed.code === 0 ? '' : echoed.out }).toEqual({ code: 0, out: '' });

    // The same title a second time is refused at its field, and nothing is added.
    await aes.getByRole('button', { name: '登记设备' }).click();
    await aes.getByLabel('AE 标题').fill('JQ_DR1');
    await aes.getByLabel('所属机构').selectOption({ label: '武汉市汉阳区晴川街社区卫生服务中心' });
    await aes.getByRole('button', { name: '保存' }).click();
    await aes.getByText('这个 AE 标题已被另一台设备使用。').waitFor();
    await aes.getByRole('button', { name: '取消' }).click();
    await expect(aes.getByTestId('dicom-ae-row').count()).resolves.toBe(1);

    // Deactivated (confirmed in place), the device is refused at association again.
    await row.getByRole('button', { name: '修改 JQ_DR1' }).click();
    await aes.getByRole('button', { name: '停用设备' }).first().click();
    await aes.getByRole('alert').getByRole('button', { name: '停用设备' }).click();
    await admin.getByRole('status').filter({ hasText: '设备 JQ_DR1 已停用。' }).waitFor();
    await expect(row.textContent()).resolves.toContain('已停用');
    await expect(echo('JQ_DR1').then((r) => r.code)).resolves.not.toBe(0);

    // Both changes are in the audit trail under their own names.
    const { rows } = await w.app.db.query<{ action: string }>(
      `SELECT action FROM audit_event WHERE action LIKE 'dicom\_ae.%' ORDER BY id`,
    );
    expect(rows.map((r) => r.action)).toEqual(['dicom_ae.create', 'dicom_ae.update']);
  });

  it('shows a gateway’s credential once; it signs the gateway in until the account is revoked', async () => {
    await admin.goto('/admin/devices');
    const gateways = admin.getByTestId('gateway-accounts');
    await gateways.getByRole('button', { name: '新建网关账号' }).click();
    await gateways.getByLabel('所属机构').selectOption({ label: '武汉市汉阳区建桥街社区卫生服务中心' });
    // the centre's name is offered as the account's name
    await expect(gateways.getByLabel('名称').inputValue()).resolves.toBe('武汉市汉阳区建桥街社区卫生服务中心网关');
    await gateways.getByLabel('名称').fill('建桥街网关');
    await gateways.getByRole('button', { name: '保存' }).click();

    const credential = (await gateways.getByTestId('gateway-credential-value').textContent())!.trim();
    expect(credential).toMatch(/^zsa\.[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/);
    await expect(exchange(credential).then((r) => r.status)).resolves.toBe(200);

    // Once closed, the credential is nowhere on the page or in what the API lists.
    await gateways.getByRole('button', { name: '已保存到网关，关闭' }).click();
    await expect(admin.content()).resolves.not.toContain(credential.split('.')[2]);
    const row = gateways.getByTestId('gateway-account-row').filter({ hasText: '建桥街网关' });
    await expect(row.textContent()).resolves.toMatch(/建桥街社区卫生服务中心.*在用/);

    await row.getByRole('button', { name: '吊销 建桥街网关' }).click();
    await row.getByRole('alert').getByRole('button', { name: '吊销' }).click();
    await admin.getByRole('status').filter({ hasText: '网关账号“建桥街网关”已吊销。' }).waitFor();
    // The note comes before the list is read again: wait for the row to show the revocation.
    await row.getByText('已吊销').waitFor();
    await expect(row.textContent()).resolves.toContain('已吊销');
    await expect(exchange(credential).then((r) => r.status)).resolves.toBe(401);
  });
});
