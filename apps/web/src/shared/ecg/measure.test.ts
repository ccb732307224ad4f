import { decodeEcg, parseFull } from '@zhiyin/dicom';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureIntervals, removeWander } from './measure';

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
    // Device: RR 982 ms (61 /min), PR 161, QRS 75, QT 368, QTc 370, QRS axis 52°.
    expect(Math.abs(m.heartRate! - 60000 / 982)).toBeLessThan(2);
    expect(Math.abs(m.prMs! - 161)).toBeLessThan(20);
    expect(Math.abs(m.qrsMs! - 75)).toBeLessThan(20);
    expect(Math.abs(m.qtMs! - 368)).toBeLessThan(35);
    expect(Math.abs(m.qtcMs! - 370)).toBeLessThan(35);
    expect(m.axisDeg).toBeUndefined(); // no lead names given
    const withLabels = measureIntervals(
      g.leads.map((l) => l.microvolts),
      g.samplingFrequency,
      { labels: g.leads.map((l) => l.label) },
    );
    expect(Math.abs(withLabels.axisDeg! - 52)).toBeLessThan(10);
  });

  // The three stand-alone synthetic ECGs carry the generator's values as device measurements.
  it.each(['ecg/syn_ecg_sinus_utf8_scpecg.dcm', 'ecg/syn_ecg_sinus_gb18030_mdc.dcm', 'ecg/syn_ecg_afib_utf8.dcm'])(
    '%s: every interval against what the file states',
    (file) => {
      const { g, ecg } = rhythm(file);
      const m = measureIntervals(
        g.leads.map((l) => l.microvolts),
        g.samplingFrequency,
        { labels: g.leads.map((l) => l.label) },
      );
      const dev = ecg.measurements as Record<string, { value: number } | undefined>;
      expect(Math.abs(m.heartRate! - 60000 / dev.RR!.value)).toBeLessThan(2);
      expect(Math.abs(m.qrsMs! - dev.QRS!.value)).toBeLessThan(25);
      expect(Math.abs(m.qtMs! - dev.QT!.value)).toBeLessThan(40);
      expect(Math.abs(m.qtcMs! - dev.QTc!.value)).toBeLessThan(50);
      expect(Math.abs(m.axisDeg! - dev.QRSAxis!.value)).toBeLessThan(15);
      if (dev.PR) expect(Math.abs(m.prMs! - dev.PR.value)).toBeLessThan(45);
      else expect(m.prMs).toBeUndefined();
    },
  );

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
    // QTc carries the QT difference, scaled up by 1/sqrt(RR) at fast rates.
    expect(Math.abs(m.qtcMs! - want.QTc)).toBeLessThan(50);
    if (s.rhythm === 'afib') expect(m.prMs).toBeUndefined();
    else if (want.PR && m.prMs !== undefined) expect(Math.abs(m.prMs - want.PR)).toBeLessThan(45);
  });

  it('finds the P wave in every sinus rhythm, a long PR in first-degree AV block, none in atrial fibrillation', () => {
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
    // Every sinus rhythm, once the baseline wander is taken out of the median beat.
    const sinus = measured.filter((x) => x.s.rhythm === 'sinus');
    expect(sinus.every((x) => x.pr !== undefined)).toBe(true);
    // First-degree AV block (PR 260 ms) reads as a long PR where the P wave stands clear of the T wave.
    const avb = measured.filter((x) => x.s.rhythm === 'avb1' && x.pr !== undefined);
    expect(avb.length).toBeGreaterThanOrEqual(1);
    expect(avb.every((x) => x.pr! > 220)).toBe(true);
    expect(measured.filter((x) => x.s.rhythm === 'afib').every((x) => x.pr === undefined)).toBe(true);
  });
});

describe('baseline wander removal', () => {
  it('takes a slow drift out between the beats and leaves the beats', () => {
    const fs = 500;
    const lead = new Float64Array(10 * fs);
    const rPeaks = [0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5].map((t) => Math.round(t * fs));
    for (let i = 0; i < lead.length; i++) lead[i] = 300 * Math.sin((2 * Math.PI * 0.2 * i) / fs);
    for (const r of rPeaks) lead[r] = lead[r]! + 1000;
    const out = removeWander(lead, rPeaks, fs);
    for (const r of rPeaks) expect(Math.abs(out[r]! - 1000)).toBeLessThan(20);
    // Straight lines between knots 1 s apart follow a 0.2 Hz, 300 µV wander within a fifth of it.
    for (let i = rPeaks[0]!; i < rPeaks[9]!; i += 37)
      if (!rPeaks.includes(i)) expect(Math.abs(out[i]!)).toBeLessThan(60);
  });
});
