import {
  DEFAULT_TURNAROUND_POLICY,
  MAX_TURNAROUND_MINUTES,
  TURNAROUND_SOURCES,
  mergeTurnaroundPolicy,
  timerDueAt,
  validateTurnaroundPolicy,
} from './policy.js';
import { PRIORITIES, SERVICES } from './vocabulary.js';

describe('default turnaround policy', () => {
  it('reads a STAT ECG within 10 minutes (chest pain centre and STEMI guidance)', () => {
    expect(DEFAULT_TURNAROUND_POLICY.ECG.STAT.reportDeadlineMinutes).toBe(10);
    expect(TURNAROUND_SOURCES.ECG.STAT.en).toMatch(/Chest Pain Center/);
    expect(TURNAROUND_SOURCES.ECG.STAT.en).toMatch(/ESC/);
    expect(TURNAROUND_SOURCES.ECG.STAT['zh-CN']).toMatch(/中国胸痛中心认证标准/);
    expect(TURNAROUND_SOURCES.ECG.STAT['zh-CN']).toMatch(/ESC/);
  });

  it('reports STAT imaging within 1 hour (NICE head injury guidance)', () => {
    expect(DEFAULT_TURNAROUND_POLICY.IMAGING.STAT.reportDeadlineMinutes).toBe(60);
    expect(TURNAROUND_SOURCES.IMAGING.STAT.en).toMatch(/NICE/);
    expect(TURNAROUND_SOURCES.IMAGING.STAT['zh-CN']).toMatch(/NICE 颅脑损伤指南/);
  });

  it('is itself a valid policy, and cites a source (or says it is local) for every row', () => {
    expect(validateTurnaroundPolicy(DEFAULT_TURNAROUND_POLICY)).toEqual([]);
    for (const service of SERVICES) {
      for (const priority of PRIORITIES) {
        const { 'zh-CN': zh, en } = TURNAROUND_SOURCES[service][priority];
        expect(en.length).toBeGreaterThan(10);
        // The Chinese text is a translation, not the English copied over.
        expect(zh).toMatch(/[\u4e00-\u9fff]/);
      }
    }
  });
});

describe('a network’s override', () => {
  it('changes only what it names and leaves the defaults untouched', () => {
    const result = mergeTurnaroundPolicy({ IMAGING: { ROUTINE: { reportDeadlineMinutes: 4320 } } });
    expect(result.ok && result.policy.IMAGING.ROUTINE).toEqual({
      ...DEFAULT_TURNAROUND_POLICY.IMAGING.ROUTINE,
      reportDeadlineMinutes: 4320,
    });
    expect(result.ok && result.policy.ECG).toEqual(DEFAULT_TURNAROUND_POLICY.ECG);
    expect(DEFAULT_TURNAROUND_POLICY.IMAGING.ROUTINE.reportDeadlineMinutes).toBe(2880);
  });

  it('may be empty, giving the defaults', () => {
    expect(mergeTurnaroundPolicy({})).toEqual({ ok: true, policy: DEFAULT_TURNAROUND_POLICY });
  });

  it('can be applied on top of another network policy', () => {
    const first = mergeTurnaroundPolicy({ ECG: { ROUTINE: { reportDeadlineMinutes: 2000 } } });
    if (!first.ok) throw new Error('first override should merge');
    const second = mergeTurnaroundPolicy({ ECG: { ROUTINE: { reportWarningMinutes: 600 } } }, first.policy);
    expect(second.ok && second.policy.ECG.ROUTINE).toMatchObject({
      reportWarningMinutes: 600,
      reportDeadlineMinutes: 2000,
    });
  });

  it.each([
    ['not an object', 'ten minutes', '', 'not_an_object'],
    ['an unknown service', { MRI: {} }, 'MRI', 'unknown_key'],
    ['an unknown priority', { ECG: { ASAP: {} } }, 'ECG.ASAP', 'unknown_key'],
    ['an unknown field', { ECG: { STAT: { readWithinMinutes: 5 } } }, 'ECG.STAT.readWithinMinutes', 'unknown_key'],
    [
      'zero minutes',
      { ECG: { STAT: { offerTimeoutMinutes: 0 } } },
      'ECG.STAT.offerTimeoutMinutes',
      'not_a_positive_integer',
    ],
    [
      'a fraction',
      { ECG: { STAT: { offerTimeoutMinutes: 1.5 } } },
      'ECG.STAT.offerTimeoutMinutes',
      'not_a_positive_integer',
    ],
    [
      'a string',
      { ECG: { STAT: { offerTimeoutMinutes: '2' } } },
      'ECG.STAT.offerTimeoutMinutes',
      'not_a_positive_integer',
    ],
    [
      'more than 30 days',
      { IMAGING: { ROUTINE: { reportDeadlineMinutes: MAX_TURNAROUND_MINUTES + 1 } } },
      'IMAGING.ROUTINE.reportDeadlineMinutes',
      'too_long',
    ],
    [
      'a warning at or after the deadline',
      { ECG: { STAT: { reportWarningMinutes: 10 } } },
      'ECG.STAT.reportWarningMinutes',
      'out_of_order',
    ],
    [
      'an offer timeout longer than the accept deadline',
      { ECG: { STAT: { offerTimeoutMinutes: 6 } } },
      'ECG.STAT.offerTimeoutMinutes',
      'out_of_order',
    ],
    [
      'an accept deadline after the report deadline',
      { IMAGING: { STAT: { acceptDeadlineMinutes: 90 } } },
      'IMAGING.STAT.acceptDeadlineMinutes',
      'out_of_order',
    ],
    [
      'STAT slower than URGENT',
      { ECG: { STAT: { reportWarningMinutes: 25, reportDeadlineMinutes: 45 } } },
      'ECG.STAT.reportDeadlineMinutes',
      'slower_than_lower_priority',
    ],
  ])('refuses %s, saying where', (_what, override, path, code) => {
    const result = mergeTurnaroundPolicy(override);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems).toContainEqual(expect.objectContaining({ path, code }));
  });

  it('reports every problem at once, not only the first', () => {
    const result = mergeTurnaroundPolicy({ ECG: { STAT: { offerTimeoutMinutes: -1 }, URGENT: { x: 1 } }, CT: {} });
    expect(!result.ok && result.problems.map((p) => p.path).sort()).toEqual([
      'CT',
      'ECG.STAT.offerTimeoutMinutes',
      'ECG.URGENT.x',
    ]);
  });

  it('validates a complete policy read back from storage, including missing rows', () => {
    const { ECG, ...withoutEcg } = DEFAULT_TURNAROUND_POLICY;
    expect(ECG).toBeDefined();
    expect(validateTurnaroundPolicy(withoutEcg)).toContainEqual(
      expect.objectContaining({ path: 'ECG', code: 'not_an_object' }),
    );
    const missingField = {
      ...DEFAULT_TURNAROUND_POLICY,
      ECG: { ...DEFAULT_TURNAROUND_POLICY.ECG, STAT: { offerTimeoutMinutes: 2 } },
    };
    expect(validateTurnaroundPolicy(missingField).map((p) => p.path)).toEqual([
      'ECG.STAT.acceptDeadlineMinutes',
      'ECG.STAT.reportWarningMinutes',
      'ECG.STAT.reportDeadlineMinutes',
    ]);
  });
});

describe('timer due times', () => {
  const submittedAt = '2025-03-01T08:00:00.000Z';
  const now = new Date('2025-03-01T08:03:00.000Z');

  it('count the offer timeout from now and the other timers from submission', () => {
    const referral = { service: 'ECG', priority: 'STAT', submittedAt } as const;
    expect(timerDueAt('offer_timeout', referral, now)).toBe('2025-03-01T08:05:00.000Z');
    expect(timerDueAt('accept_deadline', referral, now)).toBe('2025-03-01T08:05:00.000Z');
    expect(timerDueAt('report_warning', referral, now)).toBe('2025-03-01T08:07:00.000Z');
    expect(timerDueAt('report_deadline', referral, now)).toBe('2025-03-01T08:10:00.000Z');
  });

  it('use the policy given', () => {
    const merged = mergeTurnaroundPolicy({ IMAGING: { ROUTINE: { reportDeadlineMinutes: 4320 } } });
    if (!merged.ok) throw new Error('should merge');
    const referral = { service: 'IMAGING', priority: 'ROUTINE', submittedAt } as const;
    expect(timerDueAt('report_deadline', referral, now, merged.policy)).toBe('2025-03-04T08:00:00.000Z');
  });
});
