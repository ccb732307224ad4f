import { Injectable } from '@nestjs/common';
import { requestContext } from '#src/common/request-context.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import type { AeActor } from './association.js';
import type { KnownAe } from './dicom-ae.repository.js';
import { writeIdentifier, type Element } from './identifier-writer.js';
import { WorklistRepository, type ScheduledStep, type WorklistFilter } from './worklist.repository.js';

export const MODALITY_WORKLIST_FIND = '1.2.840.10008.5.1.4.31';

// C-FIND statuses (PS3.4 K.4.1.1.4).
export const FIND_STATUS = { SUCCESS: 0x0000, PENDING: 0xff00, IDENTIFIER_DOES_NOT_MATCH: 0xa900 } as const;

export interface FindAnswer {
  status: number;
  comment?: string;
  /** the identifiers of the pending responses, encoded in the presentation context's transfer syntax */
  matches: Buffer[];
}

type Naturalized = Record<string, unknown>;

const DATE_RANGE = /^(\d{8})?(?:(-)(\d{8})?)?$/;
const validDate = (d: string) => {
  const t = Date.UTC(+d.slice(0, 4), +d.slice(4, 6) - 1, +d.slice(6, 8));
  return new Date(t).toISOString().slice(0, 10).replace(/-/g, '') === d;
};
const uidOf = (uuid: string) => `2.25.${BigInt(`0x${uuid.replace(/-/g, '')}`).toString()}`;
const first = (v: unknown): unknown => (Array.isArray(v) ? v[0] : v);

class MalformedKey extends Error {}

// A matching key: absent, empty or "*" matches everything (PS3.4 C.2.2.2); otherwise a string value.
function key(v: unknown, pattern: RegExp): string | undefined {
  const x = first(v);
  if (x === undefined || x === null || x === '') return undefined;
  if (typeof x !== 'string') throw new MalformedKey();
  const s = x.trim();
  if (s === '' || s === '*') return undefined;
  if (!pattern.test(s)) throw new MalformedKey();
  return s;
}

// Modality Worklist C-FIND SCP (PS3.4 K.6.1): every open referral of the AE's centre that still needs its
// acquisition is one scheduled procedure step; the referral number is the Accession Number.
@Injectable()
export class MwlFindService {
  constructor(
    private readonly worklist: WorklistRepository,
    private readonly audit: AuditService,
  ) {}

  async find(
    identifier: Naturalized,
    ae: KnownAe,
    actor: AeActor,
    explicitVr: boolean,
    clientIp: string | null,
  ): Promise<FindAnswer> {
    return requestContext.run({ requestId: crypto.randomUUID(), clientIp, actor }, async () => {
      let filter: WorklistFilter;
      let station: string | undefined;
      try {
        const sps = (first(identifier.ScheduledProcedureStepSequence) ?? {}) as Naturalized;
        if (typeof sps !== 'object') throw new MalformedKey();
        const dates = key(sps.ScheduledProcedureStepStartDate, DATE_RANGE);
        const [, from, dash, to] = dates ? DATE_RANGE.exec(dates)! : [];
        if ((from && !validDate(from)) || (to && !validDate(to)) || (dates && !from && !to)) throw new MalformedKey();
        station = key(sps.ScheduledStationAETitle, /^[\x20-\x5b\x5d-\x7e]{1,16}$/);
        filter = {
          facilityId: ae.facilityId,
          modality: key(sps.Modality, /^[A-Z0-9_ ]{1,16}$/),
          from,
          to: dash ? to : from,
          accessionNumber: key(identifier.AccessionNumber, /^[\x20-\x7e]{1,16}$/),
          patientId: key(identifier.PatientID, /^[^\\]{1,64}$/),
        };
      } catch (e) {
        if (!(e instanceof MalformedKey)) throw e;
        await this.audit.record({
          action: 'worklist.query',
          resourceType: 'worklist',
          outcome: 'failed',
          details: { reason: 'MALFORMED_KEY', via: 'dimse' },
        });
        return { status: FIND_STATUS.IDENTIFIER_DOES_NOT_MATCH, comment: 'MALFORMED_KEY', matches: [] };
      }
      // Every step of the centre is scheduled for each of its stations: another station's title matches none.
      const steps = station && station !== ae.aeTitle ? [] : await this.worklist.scheduled(filter);
      await this.audit.record(
        steps.length === 0
          ? {
              action: 'worklist.query',
              resourceType: 'worklist',
              outcome: 'success',
              details: { matches: 0, via: 'dimse' },
            }
          : steps.map((s) => ({
              action: 'worklist.query',
              resourceType: 'referral',
              resourceId: s.referralId,
              patientId: s.patientId,
              outcome: 'success' as const,
              details: { via: 'dimse' },
            })),
      );
      return {
        status: FIND_STATUS.SUCCESS,
        matches: steps.map((s) => writeIdentifier(this.answer(s, identifier, ae), explicitVr, ae.characterSet)),
      };
    });
  }

  // The return keys the query asked for (PS3.4 C.2.2.1.2), plus Specific Character Set.
  private answer(s: ScheduledStep, identifier: Naturalized, ae: KnownAe): Element[] {
    const asked = new Set(Object.keys(identifier));
    const sps = (first(identifier.ScheduledProcedureStepSequence) ?? {}) as Naturalized;
    const askedSps = new Set(typeof sps === 'object' ? Object.keys(sps) : []);
    const top: [string, Element][] = [
      ['AccessionNumber', { tag: 0x00080050, vr: 'SH', value: s.number }],
      ['PatientName', { tag: 0x00100010, vr: 'PN', value: `${s.familyName}^${s.givenName}` }],
      ['PatientID', { tag: 0x00100020, vr: 'LO', value: s.mrn }],
      ['PatientBirthDate', { tag: 0x00100030, vr: 'DA', value: s.birthDate }],
      ['PatientSex', { tag: 0x00100040, vr: 'CS', value: s.sex }],
      ['StudyInstanceUID', { tag: 0x0020000d, vr: 'UI', value: uidOf(s.referralId) }],
      ['RequestedProcedureID', { tag: 0x00401001, vr: 'SH', value: s.number }],
      ['RequestedProcedureDescription', { tag: 0x00321060, vr: 'LO', value: s.modality }],
    ];
    const item: [string, Element][] = [
      ['Modality', { tag: 0x00080060, vr: 'CS', value: s.modality }],
      ['ScheduledStationAETitle', { tag: 0x00400001, vr: 'AE', value: ae.aeTitle }],
      ['ScheduledProcedureStepStartDate', { tag: 0x00400002, vr: 'DA', value: s.scheduledDate }],
      ['ScheduledProcedureStepStartTime', { tag: 0x00400003, vr: 'TM', value: s.scheduledTime }],
      ['ScheduledProcedureStepID', { tag: 0x00400009, vr: 'SH', value: s.number }],
      ['ScheduledProcedureStepDescription', { tag: 0x00400007, vr: 'LO', value: s.modality }],
    ];
    const out: Element[] = [{ tag: 0x00080005, vr: 'CS', value: ae.characterSet }];
    for (const [name, e] of top) if (asked.has(name)) out.push(e);
    if (asked.has('ScheduledProcedureStepSequence'))
      out.push({ tag: 0x00400100, vr: 'SQ', items: [item.filter(([n]) => askedSps.has(n)).map(([, e]) => e)] });
    return out;
  }
}
