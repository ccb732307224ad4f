import { decodeEcg, estimateHeartRate, leadNameFromCode, parseFull, parseHeader } from './index.js';
import type { DicomError, EcgGroup, EcgLead, EcgWaveforms } from './index.js';
import { datasetIndex, readSample } from '../test/samples.js';

const TWELVE = ['I', 'II', 'III', 'aVR', 'aVL', 'aVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6'];

const ecgOf = (path: string): EcgWaveforms => decodeEcg(parseFull(readSample(path)));
const lead = (g: EcgGroup | undefined, label: string): EcgLead => {
  const l = g?.leads.find((x) => x.label === label);
  if (!l) throw new Error(`no lead ${label}`);
  return l;
};
const peakToPeak = (x: Float32Array): number => {
  let min = Infinity;
  let max = -Infinity;
  for (const v of x) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  return max - min;
};

describe('the real Mortara ELI 250 12-lead ECG', () => {
  const ecg = ecgOf('ecg/real_mortara_12lead_waveform_ecg.dcm');
  const [rhythm, median] = ecg.groups;

  it('has a 10 s rhythm group at 1000 Hz and a derived 1.2 s median beat', () => {
    expect(rhythm).toMatchObject({
      label: 'RHYTHM',
      originality: 'ORIGINAL',
      samplingFrequency: 1000,
      numberOfSamples: 10000,
      numberOfChannels: 12,
      bitsAllocated: 16,
      sampleInterpretation: 'SS',
      durationSeconds: 10,
    });
    expect(median).toMatchObject({ label: 'MEDIAN BEAT', originality: 'DERIVED', numberOfSamples: 1200 });
  });

  it('labels the leads by SCPECG code, not by meaning ("Lead I (Einthoven)")', () => {
    expect(rhythm?.leads.map((l) => l.label)).toEqual(TWELVE);
    expect(rhythm?.leads.every((l) => l.standardLead)).toBe(true);
    const i = lead(rhythm, 'I');
    expect(i.code).toMatchObject({ value: '5.6.3-9-1', scheme: 'SCPECG', meaning: 'Lead I (Einthoven)' });
    expect(i).toMatchObject({
      units: 'uV',
      sensitivity: 1.25,
      correctionFactor: 1,
      baseline: 0,
      microvoltsPerLsb: 1.25,
    });
    expect(i.isVoltage).toBe(true);
    expect(i.filter).toMatchObject({ lowHz: 0.05, highHz: 300, notchHz: 0 });
  });

  it('satisfies Einthoven exactly and Goldberger within one LSB', () => {
    for (const g of [rhythm, median]) {
      const [I, II, III, aVR, aVL, aVF] = ['I', 'II', 'III', 'aVR', 'aVL', 'aVF'].map((n) => lead(g, n).microvolts) as [
        Float32Array,
        Float32Array,
        Float32Array,
        Float32Array,
        Float32Array,
        Float32Array,
      ];
      let einthoven = 0;
      let goldberger = 0;
      for (let s = 0; s < I.length; s++) {
        if (III[s] !== (II[s] as number) - (I[s] as number)) einthoven++;
        if (Math.abs((aVR[s] as number) + (aVL[s] as number) + (aVF[s] as number)) > 1.25 + 1e-3) goldberger++;
      }
      expect(I.length).toBe(g?.numberOfSamples);
      expect([einthoven, goldberger]).toEqual([0, 0]);
    }
  });

  it('has lead II about 1.35 mV peak to peak', () => {
    expect(peakToPeak(lead(rhythm, 'II').microvolts)).toBeGreaterThan(1300);
    expect(peakToPeak(lead(rhythm, 'II').microvolts)).toBeLessThan(1400);
  });

  it('reads the coded measurements with their units and the Italian statements', () => {
    const m = ecg.measurements;
    expect([m.RR?.value, m.PR?.value, m.QRS?.value, m.QT?.value, m.QTc?.value]).toEqual([982, 161, 75, 368, 370]);
    expect([m.PAxis?.value, m.QRSAxis?.value, m.TAxis?.value]).toEqual([74, 52, 57]);
    expect(m.RR?.unit).toBe('ms');
    expect(m.QRSAxis?.unit).toBe('deg');
    expect(m.PP?.value).toBe(0);
    expect(ecg.statements).toEqual(['RITMO SINUSALE', 'ECG NORMALE']);
  });

  it('lists all 77 annotations: 2 texts, 9 measurements, 66 points in 11 groups with 1-based sample positions', () => {
    const kinds = ecg.annotations.reduce<Record<string, number>>(
      (acc, a) => ({ ...acc, [a.kind]: (acc[a.kind] ?? 0) + 1 }),
      {},
    );
    expect(kinds).toEqual({ text: 2, measurement: 9, point: 66 });
    const points = ecg.annotations.filter((a) => a.kind === 'point');
    expect(new Set(points.map((p) => p.group))).toEqual(new Set([2, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109]));
    expect(points.every((p) => p.temporalRangeType === 'POINT' && (p.samplePositions?.[0] ?? 0) >= 1)).toBe(true);
    expect(points.every((p) => p.referencedChannels?.join() === '1,0')).toBe(true);
    expect(points.filter((p) => p.group === 2).every((p) => (p.samplePositions?.[0] ?? 0) <= 1200)).toBe(true);
  });

  it('estimates 61 bpm from lead II, matching the annotated RR of 982 ms within 2 bpm', () => {
    const hr = estimateHeartRate(lead(rhythm, 'II').microvolts, 1000);
    expect(Math.abs((hr.bpm ?? 0) - 60000 / 982)).toBeLessThan(2);
    expect(hr.rPeaks).toHaveLength(10);
    // The detected R peaks agree with the device's fiducial points of the ten beats (groups 100-109).
    const fiducials = ecg.annotations
      .filter((a) => a.kind === 'point' && (a.group ?? 0) >= 100 && a.concept?.value === '5.7.1-3')
      .map((a) => (a.samplePositions?.[0] ?? 0) - 1);
    expect(fiducials).toHaveLength(10);
    fiducials.forEach((f, i) => expect(Math.abs(f - (hr.rPeaks[i] ?? -1))).toBeLessThan(40));
  });
});

describe('synthetic ECGs', () => {
  const files = ['ecg/syn_ecg_sinus_utf8_scpecg.dcm', 'ecg/syn_ecg_sinus_gb18030_mdc.dcm', 'ecg/syn_ecg_afib_utf8.dcm'];

  it.each(files)('%s: 500 Hz, 5000 + 600 samples, the twelve leads, 2.5 µV per LSB', (path) => {
    const ecg = ecgOf(path);
    expect(ecg.groups.map((g) => [g.label, g.samplingFrequency, g.numberOfSamples])).toEqual([
      ['RHYTHM', 500, 5000],
      ['MEDIAN BEAT', 500, 600],
    ]);
    for (const g of ecg.groups) {
      expect(g.leads.map((l) => l.label)).toEqual(TWELVE);
      expect(g.leads.every((l) => l.microvoltsPerLsb === 2.5 && l.filter.notchHz === 50)).toBe(true);
    }
  });

  it('decodes the MDC-coded file to the same lead labels as the SCPECG-coded one', () => {
    const mdc = ecgOf('ecg/syn_ecg_sinus_gb18030_mdc.dcm');
    expect(mdc.groups[0]?.leads[2]?.code).toMatchObject({ value: '131389', scheme: 'MDC' });
    expect(mdc.groups[0]?.leads.map((l) => l.label)).toEqual(
      ecgOf('ecg/syn_ecg_sinus_utf8_scpecg.dcm').groups[0]?.leads.map((l) => l.label),
    );
  });

  it('decodes the Chinese statements in the file charset', () => {
    expect(ecgOf('ecg/syn_ecg_sinus_utf8_scpecg.dcm').statements).toEqual([
      '窦性心律 Sinus rhythm',
      '正常心电图 Normal ECG',
    ]);
    expect(ecgOf('ecg/syn_ecg_sinus_gb18030_mdc.dcm').statements).toEqual(['窦性心律 Sinus rhythm']);
    expect(ecgOf('ecg/syn_ecg_afib_utf8.dcm').statements).toEqual(['心房颤动 Atrial fibrillation']);
  });

  it.each(files)('%s: heart rate within 2 bpm of the annotated RR, from lead I and from all leads', (path) => {
    const ecg = ecgOf(path);
    const g = ecg.groups[0] as EcgGroup;
    const expected = 60000 / (ecg.measurements.RR?.value ?? NaN);
    expect(Math.abs((estimateHeartRate(lead(g, 'I').microvolts, 500).bpm ?? 0) - expected)).toBeLessThan(2);
    expect(
      Math.abs(
        (estimateHeartRate(
          g.leads.map((l) => l.microvolts),
          500,
        ).bpm ?? 0) - expected,
      ),
    ).toBeLessThan(2);
  });
});

describe('ECGs of the synthetic multi-centre data set against index.json', () => {
  const rows = datasetIndex().studies.flatMap((s) =>
    s.series.flatMap((se) => se.instances.filter((i) => i.measurements).map((i) => [i.file, i] as const)),
  );

  it('has one ECG per study', () => {
    expect(rows).toHaveLength(11);
  });

  it.each(rows)('%s', (file, instance) => {
    const ecg = ecgOf(`synthetic-dataset/${file}`);
    const expected = instance.measurements ?? {};
    const m = ecg.measurements;
    expect(m.RR?.value).toBe(expected['RR']);
    expect(m.PR?.value ?? null).toBe(expected['PR']); // none in atrial fibrillation
    expect(m.QRS?.value).toBe(expected['QRS']);
    expect(m.QT?.value).toBe(expected['QT']);
    expect(m.QTc?.value).toBe(expected['QTc']);
    expect(m.QRSAxis?.value).toBe(expected['QRSAxis']);
    const g = ecg.groups[0] as EcgGroup;
    expect(g.leads.map((l) => l.label)).toEqual(TWELVE);
    const hr = estimateHeartRate(
      g.leads.map((l) => l.microvolts),
      g.samplingFrequency,
    );
    expect(Math.abs((hr.bpm ?? 0) - (expected['HR'] ?? NaN))).toBeLessThan(2);
    const statement = {
      sinus: '窦性心律 Sinus rhythm',
      afib: '心房颤动 Atrial fibrillation',
      avb1: '一度房室传导阻滞 First degree AV block',
    }[instance.rhythm as 'sinus' | 'afib' | 'avb1'];
    expect(ecg.statements).toEqual([statement]);
  });
});

describe('lead codes and errors', () => {
  it('maps SCPECG and MDC lead codes by value and scheme', () => {
    expect(leadNameFromCode({ value: '5.6.3-9-64', scheme: 'SCPECG' })).toBe('aVF');
    expect(leadNameFromCode({ value: '2:61', scheme: 'MDC' })).toBe('III');
    expect(leadNameFromCode({ value: '131336', scheme: 'MDC' })).toBe('V6');
    expect(leadNameFromCode({ value: '5.6.3-9-1', scheme: 'MDC' })).toBeUndefined();
    expect(leadNameFromCode({ value: '131329', scheme: 'SCPECG' })).toBeUndefined();
    expect(leadNameFromCode({ value: '5.6.3-9-200', scheme: 'SCPECG' })).toBeUndefined();
  });

  it('refuses objects without waveforms, and headers (which stop before the waveform data)', () => {
    const code = (fn: () => unknown): string => {
      try {
        fn();
        return 'NO_ERROR';
      } catch (e) {
        return (e as DicomError).code;
      }
    };
    expect(code(() => decodeEcg(parseFull(readSample('dicom/pydicom__MR_small.dcm'))))).toBe('NO_WAVEFORM');
    const header = parseHeader(readSample('ecg/real_mortara_12lead_waveform_ecg.dcm').subarray(0, 65536));
    expect(code(() => decodeEcg(header.dataset))).toBe('NO_WAVEFORM');
  });

  it('returns no heart rate for too little signal', () => {
    expect(estimateHeartRate(new Float32Array(100), 500).bpm).toBeUndefined();
    expect(estimateHeartRate(new Float32Array(5000), 500).bpm).toBeUndefined();
    expect(estimateHeartRate(new Float32Array(5000), 0).bpm).toBeUndefined();
  });
});
