import { detectCartFormat, looksLikeXml } from './index.js';
import { readSample } from '../test/samples.js';

const detect = (bytes: Uint8Array) => detectCartFormat(bytes.subarray(0, 8192), bytes.length);

describe('detectCartFormat: what an ECG cart’s file is, by its content', () => {
  it('recognises the aECG and SCP-ECG conversions of the real ECG, and never takes DICOM for one', () => {
    expect(detect(readSample('ecg/real_mortara_12lead_aecg.xml'))).toBe('aecg');
    expect(detect(readSample('ecg/real_mortara_12lead_scpecg.scp'))).toBe('scp-ecg');
    expect(detect(readSample('ecg/real_mortara_12lead_waveform_ecg.dcm'))).toBeUndefined();
    // a WFDB header is text, not a cart file Zhiyin converts
    expect(detect(readSample('ecg/real_mortara_12lead.hea'))).toBeUndefined();
  });

  it('recognises PDF, JPEG and PNG by their signatures, whatever the name', () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    expect(detect(enc('%PDF-1.7\n%âãÏÓ\n1 0 obj'))).toBe('pdf');
    expect(detect(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46]))).toBe('jpeg');
    expect(detect(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]))).toBe('png');
    expect(detect(enc('this is a scanned referral letter, not DICOM'))).toBeUndefined();
  });

  it('tells an aECG from other XML (which is XML, so it can be refused with the reason)', () => {
    const other = new TextEncoder().encode(
      '<?xml version="1.0"?>\n<!-- x --><ClinicalDocument xmlns="urn:hl7-org:v3"/>',
    );
    expect(detect(other)).toBeUndefined();
    expect(looksLikeXml(other)).toBe(true);
    const prefixed = new TextEncoder().encode('\uFEFF<?xml version="1.0"?><v3:AnnotatedECG xmlns:v3="urn:hl7-org:v3">');
    expect(detect(prefixed)).toBe('aecg');
  });
});
