import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { SHARED_DATA } from './browser.js';

export const CT_STUDY_DIR = 'synthetic-dataset/BJCY/BJCY100000/BJCY24030200000';
export const CT_SERIES = [1, 2, 3, 4].map((n) => `${CT_STUDY_DIR}/CT_2_00${n}.dcm`);
export const REAL_ECG = 'ecg/real_mortara_12lead_waveform_ecg.dcm';
/** The Mortara ELI 250's own measurement: RR 982 ms. */
export const REAL_ECG_BPM = 60000 / 982;

export function sample(path: string): Buffer {
  return readFileSync(join(SHARED_DATA, path));
}

/** A folder laid out like a CD or a modality export: DICOM files in sub-folders, plus stray files. */
export function makeExportFolder(files: string[], extra: string[] = []): string {
  const root = mkdtempSync(join(tmpdir(), 'zhiyin-cd-'));
  const dir = join(root, 'CD', 'DICOM', 'ST000001');
  mkdirSync(dir, { recursive: true });
  files.forEach((f, i) => copyFileSync(join(SHARED_DATA, f), join(dir, `IM${String(i + 1).padStart(5, '0')}`)));
  for (const f of extra) copyFileSync(join(SHARED_DATA, f), join(root, 'CD', basename(f)));
  return join(root, 'CD');
}

/** The synthetic data set's expected answers. */
export function syntheticIndex(): {
  studies: {
    patient_id: string;
    study_uid: string;
    series: {
      modality: string;
      series_uid: string;
      instances: { sop_uid: string; file: string; measurements?: Record<string, number> }[];
    }[];
  }[];
} {
  return JSON.parse(readFileSync(join(SHARED_DATA, 'synthetic-dataset/index.json'), 'utf8'));
}

/** STOW-RS straight to the API (for tests that only need a study to be there). */
export async function stowFiles(url: string, token: string, files: string[]): Promise<void> {
  await stowInstances(url, token, files.map(sample));
}

/** STOW-RS of instances held in memory (e.g. edited samples); every one must be stored (200). */
export async function stowInstances(url: string, token: string, instances: Buffer[]): Promise<void> {
  const boundary = `b-${Math.random().toString(36).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const data of instances) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), data, Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  const res = await fetch(`${url}/dicomweb/studies`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}`,
      accept: 'application/dicom+json',
    },
    body: Buffer.concat(chunks),
  });
  if (res.status !== 200) throw new Error(`STOW answered ${res.status}`);
}
