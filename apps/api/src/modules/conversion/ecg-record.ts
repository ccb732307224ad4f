/** A resting ECG decoded from a cart's own file format, before it is written as DICOM. */
export interface EcgRecordLead {
  /** `I`, `II`, `III`, `aVR`, `aVL`, `aVF`, `V1`…`V6` (and the other leads of the SCP-ECG lead table) */
  label: string;
  /** the SCP-ECG lead number (EN 1064 Table 14), which DICOM codes as SCPECG `5.6.3-9-n` */
  scpCode: number;
  /** integer samples as the file stores them */
  samples: Int32Array;
  /** microvolts per sample step (the file's resolution) */
  microvoltsPerLsb: number;
  /** microvolts added to every sample (aECG origin), 0 for SCP-ECG */
  originMicrovolts: number;
}

/** Identity as the file states it: kept for the record, never used as the patient's identity. */
export interface EcgFilePatient {
  id?: string;
  familyName?: string;
  givenName?: string;
  birthDate?: string;
  sex?: string;
}

export interface EcgRecord {
  format: 'aecg' | 'scp-ecg';
  sampleRateHz: number;
  /** samples per lead (every lead has this many) */
  sampleCount: number;
  leads: EcgRecordLead[];
  /** acquisition date-time as DICOM DT (YYYYMMDDHHMMSS), when the file gives it */
  acquiredAt: string | undefined;
  patient: EcgFilePatient;
  filters: { lowHz?: number; highHz?: number; notchHz?: number };
  device: { manufacturer?: string; model?: string };
}

/** EN 1064 / ISO 11073-91064 lead numbers (Table 14) of the leads Zhiyin stores; DICOM CID 3001 reuses them. */
export const SCP_LEADS: Record<number, string> = {
  1: 'I',
  2: 'II',
  3: 'V1',
  4: 'V2',
  5: 'V3',
  6: 'V4',
  7: 'V5',
  8: 'V6',
  9: 'V7',
  10: 'V2R',
  11: 'V3R',
  12: 'V4R',
  13: 'V5R',
  14: 'V6R',
  15: 'V7R',
  16: 'X',
  17: 'Y',
  18: 'Z',
  61: 'III',
  62: 'aVR',
  63: 'aVL',
  64: 'aVF',
  66: 'V8',
  67: 'V9',
  68: 'V8R',
  69: 'V9R',
};

const BY_NAME = new Map(Object.entries(SCP_LEADS).map(([n, name]) => [name.toUpperCase(), Number(n)]));

/** The SCP-ECG lead number of a lead name (case-insensitive), if it is one Zhiyin stores. */
export function scpCodeOf(name: string): number | undefined {
  return BY_NAME.get(name.toUpperCase());
}

/** The order leads are written in: the standard 12 first, then the rest by number. */
export function leadOrder(a: EcgRecordLead, b: EcgRecordLead): number {
  const rank = (c: number) => {
    const i = [1, 2, 61, 62, 63, 64, 3, 4, 5, 6, 7, 8].indexOf(c);
    return i >= 0 ? i : 100 + c;
  };
  return rank(a.scpCode) - rank(b.scpCode);
}
