import type { PriorStudyView } from '@zhiyin/contracts';
import { api, authorizedFetch } from '../../lib/api';

// 12-lead ECG first, then general ECG (the SOP classes a cart or a converted file is stored as).
const ECG_SOP_CLASSES = ['1.2.840.10008.5.1.4.1.1.9.1.1', '1.2.840.10008.5.1.4.1.1.9.1.2'];

type DicomJson = Record<string, { Value?: unknown[] }>;
const first = (ds: DicomJson, tag: string) => ds[tag]?.Value?.[0] as string | undefined;

/** The prior recording to show beside an ECG: the patient's newest other study holding one, and which instance. */
export interface PriorEcg {
  study: PriorStudyView;
  seriesUid: string;
  sopUid: string;
}

/**
 * The patient's previous ECG, for serial comparison: the newest of the patient's other studies (those the reader may
 * open) that holds an ECG recording; null when there is none.
 */
export async function findPriorEcg(studyUid: string, signal: AbortSignal): Promise<PriorEcg | null> {
  const priors = await api<PriorStudyView[]>(`/api/studies/${encodeURIComponent(studyUid)}/priors`, { signal });
  for (const study of priors.filter((p) => p.modalities.includes('ECG'))) {
    const res = await authorizedFetch(
      `/dicomweb/studies/${encodeURIComponent(study.studyInstanceUid)}/instances?includefield=00080016`,
      { signal, headers: { accept: 'application/dicom+json' } },
    );
    if (!res.ok) continue;
    const text = await res.text();
    const instances = (text ? JSON.parse(text) : []) as DicomJson[];
    const ecg = ECG_SOP_CLASSES.map((c) => instances.find((i) => first(i, '00080016') === c)).find(Boolean);
    const seriesUid = ecg && first(ecg, '0020000E');
    const sopUid = ecg && first(ecg, '00080018');
    if (seriesUid && sopUid) return { study, seriesUid, sopUid };
  }
  return null;
}
