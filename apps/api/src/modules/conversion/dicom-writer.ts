import dcmjs from 'dcmjs';
import { randomUUID } from 'node:crypto';
import { HUB_IMPLEMENTATION } from '#src/modules/dimse/implementation.js';
import type { EcgRecord } from './ecg-record.js';

export const SOP_CLASS = {
  TWELVE_LEAD_ECG: '1.2.840.10008.5.1.4.1.1.9.1.1',
  GENERAL_ECG: '1.2.840.10008.5.1.4.1.1.9.1.2',
  ENCAPSULATED_PDF: '1.2.840.10008.5.1.4.1.1.104.1',
  SECONDARY_CAPTURE: '1.2.840.10008.5.1.4.1.1.7',
} as const;
const EXPLICIT_LE = '1.2.840.10008.1.2.1';
const JPEG_BASELINE = '1.2.840.10008.1.2.4.50';

/** Who and what the written instance is of: the referral's patient, never the identity in the file. */
export interface ConversionTarget {
  patient: { mrn: string; familyName: string; givenName: string; birthDate: string; sex: string };
  /** the referral number, so that the study joins the referral like any acquisition for it */
  accessionNumber: string;
  /** DICOM DT of when the file was received, for files that carry no acquisition time */
  receivedAt: string;
  /** what the file was, for the series description (e.g. `HL7 aECG`) */
  sourceFormat: string;
}

/** A new UID under 2.25 (PS3.5 B.2), from a random UUID. */
export function newUid(): string {
  return `2.25.${BigInt(`0x${randomUUID().replace(/-/g, '')}`).toString()}`;
}

function common(t: ConversionTarget, sopClassUid: string, modality: string, when: string): Record<string, unknown> {
  const date = when.slice(0, 8);
  const time = when.slice(8, 14) || '000000';
  return {
    SpecificCharacterSet: 'ISO_IR 192',
    SOPClassUID: sopClassUid,
    SOPInstanceUID: newUid(),
    StudyInstanceUID: newUid(),
    SeriesInstanceUID: newUid(),
    StudyDate: date,
    StudyTime: time,
    ContentDate: date,
    ContentTime: time,
    AccessionNumber: t.accessionNumber,
    Modality: modality,
    Manufacturer: '',
    ReferringPhysicianName: '',
    StudyID: t.accessionNumber.slice(0, 16),
    SeriesNumber: 1,
    InstanceNumber: 1,
    // Chinese first, like the app; ISO_IR 192 carries both.
    SeriesDescription: `${t.sourceFormat} · 知医转换 (converted by Zhiyin)`.slice(0, 64),
    PatientName: `${t.patient.familyName}^${t.patient.givenName}`,
    PatientID: t.patient.mrn,
    PatientBirthDate: t.patient.birthDate,
    PatientSex: t.patient.sex === 'U' ? 'O' : t.patient.sex,
  };
}

function write(dataset: Record<string, unknown>, transferSyntaxUid: string): Buffer {
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: dataset.SOPClassUID,
    MediaStorageSOPInstanceUID: dataset.SOPInstanceUID,
    TransferSyntaxUID: transferSyntaxUid,
    ImplementationClassUID: HUB_IMPLEMENTATION.classUid,
    ImplementationVersionName: HUB_IMPLEMENTATION.versionName,
    _vrMap: { FileMetaInformationVersion: 'OB' },
  };
  const dict = new dcmjs.data.DicomDict(dcmjs.data.DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = dcmjs.data.DicomMetaDictionary.denaturalizeDataset(dataset);
  return Buffer.from(dict.write({ fragmentMultiframe: false }));
}

const code = (value: string, scheme: string, meaning: string, version?: string) => ({
  CodeValue: value,
  CodingSchemeDesignator: scheme,
  ...(version ? { CodingSchemeVersion: version } : {}),
  CodeMeaning: meaning,
});

/** Samples as 16-bit integers with their step: the file's own when they fit, else the finest step that does. */
function quantize(r: EcgRecord): { data: Int16Array; steps: number[]; baselines: number[] } {
  const n = r.leads.length;
  const data = new Int16Array(n * r.sampleCount);
  const steps: number[] = [];
  const baselines: number[] = [];
  r.leads.forEach((l, c) => {
    let lo = 0;
    let hi = 0;
    for (const v of l.samples) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const baseline = l.originMicrovolts / l.microvoltsPerLsb;
    const fits = lo >= -32768 && hi <= 32767 && Number.isInteger(baseline);
    let step = l.microvoltsPerLsb;
    if (!fits) {
      const maxUv = Math.max(...[lo, hi].map((v) => Math.abs(v * l.microvoltsPerLsb + l.originMicrovolts)));
      step = Math.ceil((maxUv / 32767) * 1000) / 1000 || 1;
    }
    steps.push(step);
    baselines.push(fits ? baseline : 0);
    for (let i = 0; i < r.sampleCount; i++) {
      // Interleaved: sample i of every channel, then sample i + 1 (PS3.3 C.10.9.1.7).
      data[i * n + c] = fits
        ? l.samples[i]!
        : Math.round((l.samples[i]! * l.microvoltsPerLsb + l.originMicrovolts) / step);
    }
  });
  return { data, steps, baselines };
}

const ds = (v: number) => Number(v.toPrecision(12));

/**
 * A 12-lead ECG Waveform instance (PS3.3 A.34.3) of the record's rhythm, as the real carts' DICOM exports
 * write it: one `RHYTHM` multiplex group, 16-bit signed samples, SCPECG lead codes, sensitivity in µV.
 * A record longer than the IOD's 16384 samples or outside 200–1000 Hz becomes a General ECG instead.
 */
export function writeEcgInstance(r: EcgRecord, t: ConversionTarget): Buffer {
  const twelveLead = r.sampleCount <= 16384 && r.sampleRateHz >= 200 && r.sampleRateHz <= 1000 && r.leads.length <= 13;
  const { data, steps, baselines } = quantize(r);
  const when = r.acquiredAt ?? t.receivedAt;
  const channels = r.leads.map((l, c) => ({
    ChannelSourceSequence: [code(`5.6.3-9-${l.scpCode}`, 'SCPECG', `Lead ${l.label}`, '1.3')],
    ChannelSensitivity: ds(steps[c]!),
    ChannelSensitivityUnitsSequence: [code('uV', 'UCUM', 'microvolt', '1.4')],
    ChannelSensitivityCorrectionFactor: 1,
    ChannelBaseline: ds(baselines[c]!),
    ChannelTimeSkew: 0,
    WaveformBitsStored: 16,
    ...(r.filters.lowHz !== undefined ? { FilterLowFrequency: ds(r.filters.lowHz) } : {}),
    ...(r.filters.highHz !== undefined ? { FilterHighFrequency: ds(r.filters.highHz) } : {}),
    ...(r.filters.notchHz !== undefined ? { NotchFilterFrequency: ds(r.filters.notchHz) } : {}),
    ChannelLabel: l.label,
  }));
  const dataset = {
    ...common(t, twelveLead ? SOP_CLASS.TWELVE_LEAD_ECG : SOP_CLASS.GENERAL_ECG, 'ECG', when),
    AcquisitionDateTime: when,
    Manufacturer: r.device.manufacturer ?? '',
    ...(r.device.model ? { ManufacturerModelName: r.device.model } : {}),
    AcquisitionContextSequence: [],
    WaveformSequence: [
      {
        MultiplexGroupTimeOffset: 0,
        WaveformOriginality: 'ORIGINAL',
        NumberOfWaveformChannels: r.leads.length,
        NumberOfWaveformSamples: r.sampleCount,
        SamplingFrequency: ds(r.sampleRateHz),
        MultiplexGroupLabel: 'RHYTHM',
        ChannelDefinitionSequence: channels,
        WaveformBitsAllocated: 16,
        WaveformSampleInterpretation: 'SS',
        WaveformData: [data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)],
        _vrMap: { WaveformData: 'OW' },
      },
    ],
  };
  return write(dataset, EXPLICIT_LE);
}

/** An Encapsulated PDF instance (PS3.3 A.45.1) holding the PDF unchanged. */
export function writePdfInstance(pdf: Buffer, t: ConversionTarget, title: string | undefined): Buffer {
  // The value is padded to an even length with one zero byte; the PDF's own end is unchanged.
  const value = pdf.length % 2 ? Buffer.concat([pdf, Buffer.alloc(1)]) : pdf;
  const dataset = {
    ...common(t, SOP_CLASS.ENCAPSULATED_PDF, 'DOC', t.receivedAt),
    ConversionType: 'SD',
    BurnedInAnnotation: 'YES',
    DocumentTitle: (title ?? 'ECG').slice(0, 64),
    ConceptNameCodeSequence: [],
    AcquisitionDateTime: t.receivedAt,
    MIMETypeOfEncapsulatedDocument: 'application/pdf',
    EncapsulatedDocumentLength: pdf.length,
    EncapsulatedDocument: value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength),
    _vrMap: { EncapsulatedDocument: 'OB' },
  };
  return write(dataset, EXPLICIT_LE);
}

export type Photo =
  | { kind: 'jpeg'; bytes: Buffer; rows: number; columns: number; components: 1 | 3; subsampled: boolean }
  | { kind: 'rgb'; pixels: Buffer; rows: number; columns: number };

/**
 * A Secondary Capture image (PS3.3 A.8.1) of a photographed or scanned paper ECG: a JPEG kept as it came
 * (JPEG baseline, encapsulated, no second lossy step), any other picture as native RGB.
 */
export function writePhotoInstance(p: Photo, t: ConversionTarget): Buffer {
  const color = p.kind === 'rgb' || p.components === 3;
  const pixels = p.kind === 'jpeg' ? p.bytes : p.pixels;
  const dataset = {
    ...common(t, SOP_CLASS.SECONDARY_CAPTURE, 'OT', t.receivedAt),
    ConversionType: 'DI',
    BurnedInAnnotation: 'YES',
    ImageType: ['DERIVED', 'SECONDARY'],
    SamplesPerPixel: color ? 3 : 1,
    // PS3.5 8.2.1: a JPEG's colour is YCbCr, YBR_FULL_422 when its chroma is subsampled, else YBR_FULL.
    PhotometricInterpretation: !color
      ? 'MONOCHROME2'
      : p.kind === 'rgb'
        ? 'RGB'
        : p.subsampled
          ? 'YBR_FULL_422'
          : 'YBR_FULL',
    ...(color ? { PlanarConfiguration: 0 } : {}),
    Rows: p.rows,
    Columns: p.columns,
    BitsAllocated: 8,
    BitsStored: 8,
    HighBit: 7,
    PixelRepresentation: 0,
    ...(p.kind === 'jpeg' ? { LossyImageCompression: '01', LossyImageCompressionMethod: 'ISO_10918_1' } : {}),
    PixelData: [pixels.buffer.slice(pixels.byteOffset, pixels.byteOffset + pixels.byteLength)],
    _vrMap: { PixelData: 'OB' },
  };
  return write(dataset, p.kind === 'jpeg' ? JPEG_BASELINE : EXPLICIT_LE);
}
