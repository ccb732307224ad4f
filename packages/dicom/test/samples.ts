// Test-only access to the shared sample data (never part of the build: see tsconfig.build.json).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Root of the shared data: ZHIYIN_SHARED_DATA, else `shared/data` next to the repository. */
export const DATA_ROOT: string =
  process.env['ZHIYIN_SHARED_DATA'] ?? fileURLToPath(new URL('../../../../shared/data/', import.meta.url));

/** One manifest entry (fields described in the data README). */
export interface ManifestEntry {
  path: string;
  size: number;
  non_dicom?: boolean;
  ts?: string;
  sop_class?: string | null;
  modality?: string | null;
  charset?: string | null;
  patient_name?: string;
  pixel?: boolean;
  frames?: number | null;
  rows_cols?: string | null;
  waveform?: boolean;
  waveform_desc?: string;
  preamble?: boolean;
}

/** The synthetic data set index. */
export interface DatasetIndex {
  studies: Array<{
    patient_id: string;
    patient_name: string;
    charset: string;
    centre: string;
    institution: string;
    accession: string;
    study_uid: string;
    study_date: string;
    transfer_syntax: string;
    series: Array<{
      modality: string;
      series_uid: string;
      instances: Array<{
        sop_uid: string;
        file: string;
        rhythm?: string;
        measurements?: Record<string, number | null>;
      }>;
    }>;
  }>;
}

function dataPath(relative: string): string {
  return DATA_ROOT.endsWith('/') ? DATA_ROOT + relative : `${DATA_ROOT}/${relative}`;
}

/** Reads a sample file as a Uint8Array (a view on a fresh buffer). */
export function readSample(relative: string): Uint8Array {
  const b = readFileSync(dataPath(relative));
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** The manifest entries. */
export function manifest(): ManifestEntry[] {
  return (JSON.parse(readFileSync(dataPath('manifest.json'), 'utf8')) as { files: ManifestEntry[] }).files;
}

/** The synthetic data set's index.json. */
export function datasetIndex(): DatasetIndex {
  return JSON.parse(readFileSync(dataPath('synthetic-dataset/index.json'), 'utf8')) as DatasetIndex;
}
