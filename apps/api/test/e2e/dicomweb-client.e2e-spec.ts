import { createRequire } from 'node:module';
import { CT_SLICE, sample } from '../support/dicom-files.js';
import { referStudy } from '../support/referrals.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// A standard DICOMweb client from npm, unchanged, against the running API: the same calls a
// viewer such as OHIF makes. It speaks XMLHttpRequest, which Node lacks: xhr2 provides it.
const require = createRequire(import.meta.url);
(globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest = require('xhr2');
const { api } = require('dicomweb-client') as { api: { DICOMwebClient: new (o: object) => any } };

describe('a standard DICOMweb client (dicomweb-client) against Zhiyin', () => {
  let t: TestApp;
  let uploader: any;
  let reader: any;
  let doc: string;
  const ct = sample(CT_SLICE);
  const ecg = sample('ecg/syn_ecg_sinus_gb18030_mdc.dcm');
  const study = '2.25.130930353935831677017901351937829450278';

  beforeAll(async () => {
    t = await startTestApp();
    let radiologist: string;
    [doc, radiologist] = await Promise.all([t.login('doc.hyjq'), t.login('rad.li')]);
    uploader = new api.DICOMwebClient({ url: `${t.url}/dicomweb`, headers: { Authorization: `Bearer ${doc}` } });
    reader = new api.DICOMwebClient({ url: `${t.url}/dicomweb`, headers: { Authorization: `Bearer ${radiologist}` } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('STOW: stores instances', async () => {
    const toArrayBuffer = (b: Buffer) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
    const response = await uploader.storeInstances({ datasets: [toArrayBuffer(ct), toArrayBuffer(ecg)] });
    expect(response).toBeDefined();
    const { rows } = await t.db.query('SELECT count(*)::int AS n FROM instance');
    expect(rows[0].n).toBe(2);
    // The radiologist reads what is referred to the imaging reading centre.
    await referStudy(t, doc, study, 'IMAGING');
  });

  it('QIDO: finds studies by Chinese name, series and instances', async () => {
    const studies = await reader.searchForStudies({ queryParams: { PatientName: '孙*' } });
    expect(studies).toHaveLength(1);
    expect(studies[0]['00100010'].Value[0].Ideographic).toBe('孙^娟');
    // The ECG (of 李秀英) was sent but not referred to the imaging reading centre: the radiologist does not see it.
    await expect(reader.searchForStudies({ queryParams: { PatientName: '李*' } })).resolves.toEqual([]);
    const series = await reader.searchForSeries({ studyInstanceUID: study });
    expect(series).toHaveLength(1);
    const instances = await reader.searchForInstances({ studyInstanceUID: study });
    expect(instances[0]['00080018'].Value[0]).toBe('2.25.190367113947790185605933099962223089727');
  });

  it('WADO: retrieves the instance byte for byte, its metadata and its frame', async () => {
    const series = '2.25.219881039401334746116319901856619626590';
    const sop = '2.25.190367113947790185605933099962223089727';
    const instance: ArrayBuffer = await reader.retrieveInstance({
      studyInstanceUID: study,
      seriesInstanceUID: series,
      sopInstanceUID: sop,
    });
    expect(Buffer.from(instance).equals(ct)).toBe(true);
    const metadata = await reader.retrieveInstanceMetadata({
      studyInstanceUID: study,
      seriesInstanceUID: series,
      sopInstanceUID: sop,
    });
    expect(metadata[0]['00280010'].Value).toEqual([128]);
    const frames: ArrayBuffer[] = await reader.retrieveInstanceFrames({
      studyInstanceUID: study,
      seriesInstanceUID: series,
      sopInstanceUID: sop,
      frameNumbers: [1],
    });
    expect(frames[0]!.byteLength).toBe(128 * 128 * 2);
    const studyParts: ArrayBuffer[] = await reader.retrieveStudy({ studyInstanceUID: study });
    expect(studyParts).toHaveLength(1);
  });
});
