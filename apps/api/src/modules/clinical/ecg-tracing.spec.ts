import type { EcgGroup, EcgLead, EcgWaveforms } from '@zhiyin/dicom';
import { tracingLeads } from './ecg-tracing.js';

const lead = (label: string, values: number[]): EcgLead =>
  ({ label, isVoltage: true, microvolts: Float32Array.from(values) }) as unknown as EcgLead;
const group = (label: string, seconds: number, leads: EcgLead[]): EcgGroup =>
  ({ label, samplingFrequency: 500, durationSeconds: seconds, leads }) as unknown as EcgGroup;

describe('the leads the printed tracing draws', () => {
  it('prints the rhythm recording, never the median beat', () => {
    const ecg = {
      groups: [group('MEDIAN BEAT', 1.2, [lead('II', [9])]), group('RHYTHM', 10, [lead('II', [1])])],
    } as EcgWaveforms;
    expect(tracingLeads(ecg)?.leads.get('II')).toEqual(Float32Array.from([1]));
  });

  it('derives the limb leads an 8-lead recorder did not store from I and II (Einthoven, Goldberger)', () => {
    const ecg = { groups: [group('RHYTHM', 10, [lead('I', [200]), lead('II', [1000])])] } as EcgWaveforms;
    const leads = tracingLeads(ecg)!.leads;
    expect(leads.get('III')).toEqual(Float32Array.from([800]));
    expect(leads.get('aVR')).toEqual(Float32Array.from([-600]));
    expect(leads.get('aVL')).toEqual(Float32Array.from([-300]));
    expect(leads.get('aVF')).toEqual(Float32Array.from([900]));
  });

  it('prints nothing when the recording holds no voltage lead', () => {
    expect(tracingLeads({ groups: [] } as unknown as EcgWaveforms)).toBeNull();
  });
});
