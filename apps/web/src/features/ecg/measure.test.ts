import { decodeEcg, parseFull } from '@zhiyin/dicom';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureIntervals } from './measure';

const SHARED =
  process.env.ZHIYIN_SHARED_DATA ?? fileURLToPath(new URL('../../../../../../shared/data/', import.meta.url));

function rhythm(path: string) {
  const ecg = decodeEcg(parseFull(new Uint8Array(readFileSync(join(SHARED, path)))));
  const g = ecg.groups.find((x) => (x.label ?? '').toUpperCase().includes('RHYTHM')) ?? ecg.groups[0]!;
  return { g, ecg };
}

interface Expected {
  file: string;
  rhythm: string;
  measurements: { RR: number; HR: number; PR?: number; QRS: number; QT: number; QTc: number };
}

interface Index {
  studies: { series: { modality: string; instances: Expected[] }[] }[];
}
const index = JSON.parse(readFileSync(join(SHARED, 'synthetic-dataset/index.json'), 'utf8')) as Index;
const synthetic: Expected[] = index.studies.flatMap((s) =>
  s.series
    .filter((se) => se.modality === 'ECG')
    .flatMap((se) => se.instances.map((i) => ({ ...i, file: `synthetic-dataset/${i.file}` }))),
);

describe('ECG intervals measured from the 12 leads', () => {
  it('the real Mortara ECG: rate and intervals close to what the device measured', () => {
    const { g } = rhythm('ecg/real_mortara_12lead_waveform_ecg.dcm');
    const m = measureIntervals(
      g.leads.map((l) => l.microvolts),
      g.samplingFrequency,
    );
    // Device: RR 982 ms (61 /min), PR 161, QRS 75, QT 368, QTc 370.
    expect(Math.abs(m.heartRate! - 60000 / 982)).toBeLessThan(2);
    expect(Math.abs(m.prMs! - 161)).toBeLessThan(20);
    expect(Math.abs(m.qrsMs! - 75)).toBeLessThan(20);
    expect(Math.abs(m.qtMs! - 368)).toBeLessThan(35);
  });

  // The synthetic generator's P and T waves are Gaussians, whose "onset" and "end" are a matter of
  // definition: QT within 40 ms and PR within 45 ms of what it wrote; rate within 2 beats/min.
  it.each(synthetic.map((s) => [s.file, s] as const))('%s', (_file, s) => {
    const { g } = rhythm(s.file);
    const m = measureIntervals(
      g.leads.map((l) => l.microvolts),
      g.samplingFrequency,
    );
    const want = s.measurements;
    expect(Math.abs(m.heartRate! - 60000 / want.RR)).toBeLessThan(2);
    expect(Math.abs(m.qrsMs! - want.QRS)).toBeLessThan(25);
    expect(Math.abs(m.qtMs! - want.QT)).toBeLessThan(40);
    if (s.rhythm === 'afib') expect(m.prMs).toBeUndefined();
    else if (want.PR && m.prMs !== undefined) expect(Math.abs(m.prMs - want.PR)).toBeLessThan(45);
  });

  it('finds the P wave in most sinus rhythms and never in atrial fibrillation', () => {
    const measured = synthetic.map((s) => {
      const { g } = rhythm(s.file);
      return {
        s,
        pr: measureIntervals(
          g.leads.map((l) => l.microvolts),
          g.samplingFrequency,
        ).prMs,
      };
    });
    const sinus = measured.filter((x) => x.s.rhythm === 'sinus');
    expect(sinus.filter((x) => x.pr !== undefined).length).toBeGreaterThanOrEqual(sinus.length - 1);
    expect(measured.filter((x) => x.s.rhythm === 'afib').every((x) => x.pr === undefined)).toBe(true);
  });
});
