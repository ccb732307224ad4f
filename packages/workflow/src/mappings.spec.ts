import { readFileSync, readdirSync } from 'node:fs';
import { stateDiagram, stateEdges } from './diagram.js';
import {
  FHIR_SERVICE_REQUEST_STATUSES,
  FHIR_TASK_STATUSES,
  SERVICE_REQUEST_STATUS,
  TASK_STATUS,
  fhirStatus,
} from './fhir.js';
import * as labels from './labels.js';
import { DEFAULT_TURNAROUND_POLICY } from './policy.js';
import { sqlCheckIn } from './sql.js';
import { UP_TRANSITIONS } from './transitions.js';
import {
  LOCALES,
  REFERRAL_EVENT_TYPES,
  REFERRAL_STATES,
  TIMER_EVENTS,
  TIMER_KINDS,
  TIMER_OF_EVENT,
  type ReferralState,
} from './vocabulary.js';

const packageDir = new URL('../', import.meta.url);
const readme = readFileSync(new URL('README.md', packageDir), 'utf8');

describe('labels', () => {
  const maps = Object.entries(labels).filter(([name]) => name.endsWith('_LABELS') || name.endsWith('_TEXT'));

  it('exist for every vocabulary (the type system requires every code in each map)', () => {
    expect(maps.map(([name]) => name).sort()).toEqual([
      'CANCEL_REASON_LABELS',
      'DIRECTION_LABELS',
      'DISPOSITION_LABELS',
      'DISPOSITION_PATIENT_TEXT',
      'EVENT_LABELS',
      'OUTCOME_LABELS',
      'PRIORITY_LABELS',
      'REASON_LABELS',
      'ROLE_LABELS',
      'SERVICE_LABELS',
      'SPECIALTY_LABELS',
      'STATE_LABELS',
      'TIMER_LABELS',
    ]);
  });

  it.each(maps)('%s: Chinese and English for every code, distinct within the map', (_name, map) => {
    const entries = Object.entries(map as Record<string, Record<string, string>>);
    for (const [code, label] of entries) {
      expect(Object.keys(label).sort()).toEqual([...LOCALES].sort());
      // Chinese labels are in Chinese; English ones are words, not the snake_case code.
      expect(label['zh-CN']).toMatch(/[\u4e00-\u9fff]/);
      expect(label['en']?.trim()).not.toBe('');
      expect(label['en']).not.toMatch(/_/);
      expect(code).not.toBe('');
    }
    for (const locale of LOCALES) {
      const texts = entries.map(([, label]) => label[locale]);
      expect(new Set(texts).size).toBe(texts.length);
    }
  });
});

describe('FHIR R4 mappings', () => {
  it('map every state to a valid ServiceRequest.status and Task.status', () => {
    for (const state of REFERRAL_STATES) {
      expect(FHIR_SERVICE_REQUEST_STATUSES).toContain(SERVICE_REQUEST_STATUS[state]);
      expect(FHIR_TASK_STATUSES).toContain(TASK_STATUS[state]);
    }
  });

  it('finish the request only when the referral ends', () => {
    const finished = REFERRAL_STATES.filter((state) =>
      ['completed', 'revoked'].includes(SERVICE_REQUEST_STATUS[state]),
    );
    expect(finished).toEqual(['closed', 'cancelled']);
    expect(TASK_STATUS.closed).toBe('completed');
    expect(TASK_STATUS.cancelled).toBe('cancelled');
    expect(TASK_STATUS.info_requested).toBe('on-hold');
  });

  it('mark a referral cancelled as entered in error as such, and carry the local state as business status', () => {
    expect(
      fhirStatus({
        state: 'cancelled',
        cancellation: { reason: 'entered_in_error', by: 'x', role: 'community_doctor', at: '' },
      }),
    ).toEqual({
      serviceRequest: 'entered-in-error',
      task: 'entered-in-error',
      taskBusinessStatus: 'cancelled',
    });
    expect(fhirStatus({ state: 'in_review', cancellation: null })).toEqual({
      serviceRequest: 'active',
      task: 'in-progress',
      taskBusinessStatus: 'in_review',
    });
  });
});

describe('SQL CHECK helper', () => {
  it('builds the constraint from a vocabulary array', () => {
    expect(sqlCheckIn('state', REFERRAL_STATES)).toBe(
      `CHECK ("state" IN ('draft', 'submitted', 'offered', 'accepted', 'in_review', 'info_requested', 'reported', 'plan_agreed', 'acknowledged', 'closed', 'cancelled'))`,
    );
  });

  it('refuses anything that could smuggle SQL in', () => {
    expect(() => sqlCheckIn('state"; drop table referral; --', REFERRAL_STATES)).toThrow(/column/);
    expect(() => sqlCheckIn('state', ["x'); drop table referral; --"])).toThrow(/code/);
    expect(() => sqlCheckIn('state', [])).toThrow(/at least one/);
  });
});

describe('timer vocabulary', () => {
  it('pairs every timer with exactly one event, both ways', () => {
    for (const timer of TIMER_KINDS) expect(TIMER_OF_EVENT[TIMER_EVENTS[timer]]).toBe(timer);
    expect(new Set(Object.values(TIMER_EVENTS)).size).toBe(TIMER_KINDS.length);
  });
});

describe('state diagram', () => {
  it('reaches every upward state from draft', () => {
    const reached = new Set<ReferralState>(['draft']);
    for (let grew = true; grew;) {
      grew = false;
      for (const edge of stateEdges('up')) {
        if (reached.has(edge.from) && !reached.has(edge.to)) {
          reached.add(edge.to);
          grew = true;
        }
      }
    }
    expect(REFERRAL_STATES.filter((state) => !reached.has(state))).toEqual([]);
  });

  it('leaves out only self-loops', () => {
    const arrows = stateEdges('up').flatMap((edge) => edge.events.map((event) => `${edge.from}:${event}`));
    const moving = REFERRAL_STATES.flatMap((from) =>
      REFERRAL_EVENT_TYPES.filter((event) => {
        const to = UP_TRANSITIONS[from][event]?.to;
        return to !== undefined && to !== from;
      }).map((event) => `${from}:${event}`),
    );
    expect(arrows.sort()).toEqual(moving.sort());
  });

  it.each(['up', 'down'] as const)('in the README matches the transition table (%s)', (direction) => {
    expect(readme).toContain(['```mermaid', stateDiagram(direction), '```'].join('\n'));
  });
});

describe('README', () => {
  it('states the default policy exactly as the code has it', () => {
    const rows = readme
      .split('\n')
      .map((line) =>
        line.match(
          /^\|\s*(ECG|IMAGING)\s*\|\s*(STAT|URGENT|ROUTINE)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|/,
        ),
      )
      .filter((match) => match !== null);
    expect(rows).toHaveLength(6);
    for (const [, service, priority, offer, accept, warn, report] of rows) {
      expect(DEFAULT_TURNAROUND_POLICY[service as 'ECG'][priority as 'STAT']).toEqual({
        offerTimeoutMinutes: Number(offer),
        acceptDeadlineMinutes: Number(accept),
        reportWarningMinutes: Number(warn),
        reportDeadlineMinutes: Number(report),
      });
    }
  });
});

describe('package', () => {
  const pkg = JSON.parse(readFileSync(new URL('package.json', packageDir), 'utf8')) as Record<string, unknown>;
  const sources = readdirSync(new URL('src/', packageDir)).filter(
    (file) => file.endsWith('.ts') && !file.endsWith('.spec.ts') && !file.endsWith('.testing.ts'),
  );

  it('has no runtime dependencies at all', () => {
    expect(pkg['dependencies']).toBeUndefined();
    expect(pkg['peerDependencies']).toBeUndefined();
  });

  it.each(sources)('%s imports only its own files and reads no clock, randomness or environment', (file) => {
    const text = readFileSync(new URL(`src/${file}`, packageDir), 'utf8');
    const imports = [...text.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
    for (const specifier of imports) expect(specifier).toMatch(/^\.\/[a-z-]+\.js$/);
    expect(text).not.toMatch(/Date\.now|new Date\(\)|Math\.random|process\.|globalThis|require\(|import\(/);
  });

  it('documents every export with TSDoc', () => {
    for (const file of sources) {
      const lines = readFileSync(new URL(`src/${file}`, packageDir), 'utf8').split('\n');
      lines.forEach((line, i) => {
        if (!/^export (const|function|type|interface)/.test(line)) return;
        // The export's TSDoc ends on the line above it.
        expect(`${file}: ${lines[i - 1]?.trim().endsWith('*/')}`).toBe(`${file}: true`);
      });
    }
  });

  it('documents every parameter of an exported function as `@param name - text`', () => {
    let checked = 0;
    for (const file of sources) {
      const text = readFileSync(new URL(`src/${file}`, packageDir), 'utf8');
      for (const match of text.matchAll(
        /\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\nexport function \w+(?:<[^>]*>)?\(([^)]*)\)/g,
      )) {
        const [, doc = '', params = ''] = match;
        const names = params
          .split(',')
          .map((param) => param.trim().match(/^(\w+)/)?.[1])
          .filter((name): name is string => name !== undefined);
        for (const name of names) expect(doc).toMatch(new RegExp(`@param ${name} - \\S`));
        checked += names.length;
      }
      for (const line of text.split('\n').filter((l) => l.includes('@param'))) {
        expect(line).toMatch(/@param \w+ - \S/);
      }
    }
    expect(checked).toBeGreaterThan(20);
  });
});
