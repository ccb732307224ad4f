import {
  criticalConfirmDueAt,
  criticalFinding,
  decideCritical,
  DEFAULT_CRITICAL_RESULT_POLICY,
  readBackMatches,
  validateCriticalResultPolicy,
  type CriticalContext,
} from './critical.js';

const STEMI = criticalFinding(DEFAULT_CRITICAL_RESULT_POLICY, 'ECG', 'stemi')!;
const RAISED_AT = new Date('2026-03-02T08:00:00.000Z');
const DUE = criticalConfirmDueAt(RAISED_AT, 'ECG', DEFAULT_CRITICAL_RESULT_POLICY);
const ctx = (actor: CriticalContext['actor'], minutesAfter = 1): CriticalContext => ({
  actor,
  now: new Date(RAISED_AT.getTime() + minutesAfter * 60_000),
  finding: STEMI,
  confirmDueAt: DUE,
});

describe('critical findings', () => {
  it('lists the defaults the issue names for each service, in Chinese and English', () => {
    const codes = (s: 'ECG' | 'IMAGING') => DEFAULT_CRITICAL_RESULT_POLICY.findings[s].map((f) => f.code);
    expect(codes('ECG')).toEqual(expect.arrayContaining(['stemi', 'vt_vf', 'complete_heart_block', 'long_qtc']));
    expect(codes('IMAGING')).toEqual(
      expect.arrayContaining([
        'tension_pneumothorax',
        'intracranial_haemorrhage',
        'free_intraperitoneal_air',
        'aortic_dissection',
      ]),
    );
    expect(STEMI.label).toEqual({ 'zh-CN': '急性 ST 段抬高型心肌梗死', en: 'Acute STEMI' });
    expect(validateCriticalResultPolicy(DEFAULT_CRITICAL_RESULT_POLICY)).toEqual([]);
  });

  it('gives the referring doctor 10 minutes to read back by default', () => {
    expect(DUE).toBe('2026-03-02T08:10:00.000Z');
  });

  it('refuses an edited list with a duplicate code, an empty label, an unknown service or a limit over an hour', () => {
    const problems = validateCriticalResultPolicy({
      confirmMinutes: { ECG: 90, IMAGING: 10 },
      findings: {
        ECG: [STEMI, { code: 'stemi', label: { 'zh-CN': '重复', en: 'dup' } }],
        IMAGING: [{ code: 'x_ray', label: { 'zh-CN': '', en: 'X' } }],
        PATHOLOGY: [],
      },
    }).map((p) => p.path);
    expect(problems).toEqual(
      expect.arrayContaining([
        'confirmMinutes.ECG',
        'findings.ECG.1.code',
        'findings.IMAGING.0.label.zh-CN',
        'findings.PATHOLOGY',
      ]),
    );
    expect(validateCriticalResultPolicy({ confirmMinutes: { ECG: 10, IMAGING: 10 }, findings: { ECG: [] } })).toEqual(
      expect.arrayContaining([{ path: 'findings.ECG', message: expect.any(String) }]),
    );
  });
});

describe('read-back', () => {
  it('accepts the finding chosen by code or typed by name in either language, ignoring case and spaces', () => {
    expect(readBackMatches(STEMI, 'stemi')).toBe(true);
    expect(readBackMatches(STEMI, '急性ST段抬高型心肌梗死')).toBe(true);
    expect(readBackMatches(STEMI, ' acute  stemi ')).toBe(true);
  });

  it('refuses another finding, a partial name or nothing', () => {
    expect(readBackMatches(STEMI, 'vt_vf')).toBe(false);
    expect(readBackMatches(STEMI, '心肌梗死')).toBe(false);
    expect(readBackMatches(STEMI, '  ')).toBe(false);
  });
});

describe('the state of a critical result', () => {
  it('is confirmed when the referring doctor reads the finding back in time', () => {
    expect(decideCritical('raised', { type: 'confirm', readBack: 'stemi' }, ctx('referring_doctor'))).toEqual({
      ok: true,
      next: 'confirmed',
      effects: [{ type: 'announce_settled' }],
    });
  });

  it('refuses a wrong read-back and a confirmation by anyone but the referring doctor', () => {
    expect(decideCritical('raised', { type: 'confirm', readBack: 'long_qtc' }, ctx('referring_doctor'))).toEqual({
      ok: false,
      reason: 'read_back_mismatch',
    });
    expect(decideCritical('raised', { type: 'confirm', readBack: 'stemi' }, ctx('coordinator'))).toEqual({
      ok: false,
      reason: 'not_allowed_for_role',
    });
  });

  it('escalates only once the limit has passed unconfirmed', () => {
    expect(decideCritical('raised', { type: 'confirm_limit_passed' }, ctx('system', 9))).toEqual({
      ok: false,
      reason: 'not_due_yet',
    });
    expect(decideCritical('raised', { type: 'confirm_limit_passed' }, ctx('system', 10))).toEqual({
      ok: true,
      next: 'escalated',
      effects: [{ type: 'alert_escalation' }],
    });
    expect(decideCritical('confirmed', { type: 'confirm_limit_passed' }, ctx('system', 11))).toEqual({
      ok: false,
      reason: 'not_open',
    });
  });

  it('is closed by a coordinator call in which the finding was read back; a call that reached nobody is only logged', () => {
    const late = ctx('coordinator', 15);
    expect(decideCritical('escalated', { type: 'record_call', reached: false, readBack: null }, late)).toEqual({
      ok: true,
      next: 'escalated',
      effects: [{ type: 'log_call' }],
    });
    expect(decideCritical('escalated', { type: 'record_call', reached: true, readBack: 'Acute STEMI' }, late)).toEqual({
      ok: true,
      next: 'closed',
      effects: [{ type: 'log_call' }, { type: 'announce_settled' }],
    });
    expect(decideCritical('escalated', { type: 'record_call', reached: true, readBack: 'vt_vf' }, late)).toEqual({
      ok: false,
      reason: 'read_back_mismatch',
    });
    expect(decideCritical('escalated', { type: 'record_call', reached: true, readBack: null }, late)).toEqual({
      ok: false,
      reason: 'read_back_required',
    });
    expect(decideCritical('raised', { type: 'record_call', reached: true, readBack: 'stemi' }, late)).toEqual({
      ok: false,
      reason: 'not_escalated',
    });
    expect(decideCritical('closed', { type: 'confirm', readBack: 'stemi' }, ctx('referring_doctor', 20))).toEqual({
      ok: false,
      reason: 'not_open',
    });
  });

  it('still takes a late read-back by a doctor of the centre once escalated', () => {
    expect(decideCritical('escalated', { type: 'confirm', readBack: 'stemi' }, ctx('referring_doctor', 12))).toEqual({
      ok: true,
      next: 'confirmed',
      effects: [{ type: 'announce_settled' }],
    });
  });
});
