import { deadlinesFor } from './deadline-audience.js';

// What a STAT ECG referral carries a few minutes after an offer: the offer timeout falls due first, the
// report deadline before the acceptance deadline and the report warning (the order the snapshot keeps
// them in is not the order they fall due).
const TIMERS = {
  report_warning: '2026-03-02T08:09:00.000Z',
  accept_deadline: '2026-03-02T08:12:00.000Z',
  offer_timeout: '2026-03-02T08:02:00.000Z',
  report_deadline: '2026-03-02T08:10:00.000Z',
};

describe('which deadlines a viewer is shown', () => {
  it('shows the community doctor only the report deadline, not the internal offer or acceptance timers', () => {
    expect(deadlinesFor(TIMERS, 'community_doctor')).toEqual([
      { kind: 'report_deadline', dueAt: TIMERS.report_deadline },
    ]);
  });

  it('shows the specialist the report deadline', () => {
    expect(deadlinesFor(TIMERS, 'specialist')).toEqual([{ kind: 'report_deadline', dueAt: TIMERS.report_deadline }]);
  });

  it('shows the coordinator every deadline, earliest first', () => {
    expect(deadlinesFor(TIMERS, 'coordinator').map((d) => d.kind)).toEqual([
      'offer_timeout',
      'report_warning',
      'report_deadline',
      'accept_deadline',
    ]);
  });

  it('shows nothing to a role that acts on no deadline, or when no timer runs', () => {
    expect(deadlinesFor(TIMERS, 'admin')).toEqual([]);
    expect(deadlinesFor(TIMERS, 'patient')).toEqual([]);
    expect(deadlinesFor(null, 'coordinator')).toEqual([]);
    expect(deadlinesFor(TIMERS, undefined)).toEqual([]);
  });

  it('leaves out a timer whose time cannot be read rather than placing it anywhere', () => {
    expect(deadlinesFor({ report_deadline: 'not a time' }, 'community_doctor')).toEqual([]);
  });
});
