import { Injectable } from '@nestjs/common';
import { lookupTag, tagOf, type DicomJsonDataset } from '@zhiyin/dicom';
import { FIND_STATUS, writeIdentifier, type Element, type TextVr } from '@zhiyin/dimse';
import { AppError } from '#src/common/errors.js';
import { requestContext } from '#src/common/request-context.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { QidoService, type QidoLevel } from '#src/modules/imaging/qido.service.js';
import type { AeActor } from './association.js';
import type { KnownAe } from './dicom-ae.repository.js';
import type { FindAnswer } from './mwl-find.js';

type Naturalized = Record<string, unknown>;

const LEVELS: Record<string, QidoLevel> = { STUDY: 'study', SERIES: 'series', IMAGE: 'instance' };

// The matching keys (PS3.4 C.6.2.1.2, Table C.6-5 to C.6-7) Zhiyin matches on, per level: those of QIDO-RS, whose
// matching (wildcards, ranges, UID lists, names in Han characters and pinyin) they share. Any other key of the
// identifier is a return key only (universal matching, PS3.4 C.2.2.2.3).
const STUDY_KEYS = [
  'PatientID',
  'PatientName',
  'StudyDate',
  'StudyTime',
  'AccessionNumber',
  'ModalitiesInStudy',
  'StudyInstanceUID',
  'StudyDescription',
  'StudyID',
];
const SERIES_KEYS = ['Modality', 'SeriesInstanceUID', 'SeriesNumber'];
const IMAGE_KEYS = ['SOPClassUID', 'SOPInstanceUID', 'InstanceNumber'];
const KEYS: Record<QidoLevel, string[]> = {
  study: STUDY_KEYS,
  series: [...STUDY_KEYS, ...SERIES_KEYS],
  instance: [...STUDY_KEYS, ...SERIES_KEYS, ...IMAGE_KEYS],
};

// Not answered from the stored attributes: the command's own, and what the answer writes itself.
const NOT_RETURNED = new Set(['QueryRetrieveLevel', 'SpecificCharacterSet', 'RetrieveURL']);

class MalformedKey extends Error {}

// A naturalized value as text: a person name's component groups joined with "=", several values with "\".
function asText(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) return v.map(asText).join('\\');
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number') return String(v);
  if (typeof v === 'object') {
    const pn = v as { Alphabetic?: string; Ideographic?: string; Phonetic?: string };
    return [pn.Alphabetic ?? '', pn.Ideographic ?? '', pn.Phonetic ?? ''].join('=').replace(/=+$/, '');
  }
  throw new MalformedKey();
}

// A DICOM JSON element's value as the text of a DIMSE identifier.
function jsonText(el: DicomJsonDataset[string] | undefined): string {
  const values = (el as { Value?: unknown[] } | undefined)?.Value ?? [];
  return values
    .map((x) => {
      if (x === null || x === undefined) return '';
      if (typeof x === 'object') {
        const pn = x as { Alphabetic?: string; Ideographic?: string; Phonetic?: string };
        return [pn.Alphabetic ?? '', pn.Ideographic ?? '', pn.Phonetic ?? ''].join('=').replace(/=+$/, '');
      }
      return typeof x === 'string' || typeof x === 'number' ? String(x) : '';
    })
    .join('\\');
}

const TEXT_VRS = new Set<string>([
  'AE',
  'AS',
  'CS',
  'DA',
  'DS',
  'DT',
  'IS',
  'LO',
  'LT',
  'PN',
  'SH',
  'ST',
  'TM',
  'UC',
  'UI',
  'UR',
  'UT',
]);

// Study Root C-FIND SCP (PS3.4 C.4.1, C.6.2) for the hub's workstations. The search is QIDO-RS's own
// (QidoService): the same matching, the same read scope (packages/workflow `studyReadScope`, applied in the
// repository), the same audit rows per study found. A study outside the AE's scope simply does not match.
@Injectable()
export class QrFindService {
  constructor(
    private readonly qido: QidoService,
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
      const levelName = typeof identifier.QueryRetrieveLevel === 'string' ? identifier.QueryRetrieveLevel.trim() : '';
      const level = LEVELS[levelName];
      let results: DicomJsonDataset[];
      try {
        if (!level) throw new MalformedKey();
        const query: Record<string, string> = {};
        for (const k of KEYS[level]) {
          const value = asText(identifier[k]);
          if (value !== '' && value !== '*') query[k] = value;
        }
        // Hierarchical search (PS3.4 C.4.1.2.2.1): the unique keys of every level above the queried one are given,
        // each a single value.
        const above =
          level === 'series'
            ? ['StudyInstanceUID']
            : level === 'instance'
              ? ['StudyInstanceUID', 'SeriesInstanceUID']
              : [];
        for (const k of above) if (!query[k] || /[\\*?]/.test(query[k])) throw new MalformedKey();
        const includefield = Object.keys(identifier)
          .filter((k) => !NOT_RETURNED.has(k) && tagOf(k))
          .join(',');
        if (includefield) query.includefield = includefield;
        ({ results } = await this.qido.search(level, actor, query, ''));
      } catch (e) {
        if (!(e instanceof MalformedKey) && !(e instanceof AppError && e.code === 'BAD_REQUEST')) throw e;
        await this.audit.record({
          action: 'study.search',
          resourceType: 'study',
          outcome: 'failed',
          details: { reason: 'MALFORMED_KEY', via: 'dimse', level: levelName.slice(0, 16) },
        });
        return { status: FIND_STATUS.IDENTIFIER_DOES_NOT_MATCH, comment: 'MALFORMED_KEY', matches: [] };
      }
      // QIDO-RS audits each study found; an answer with none is audited here, so that every query leaves a row.
      if (results.length === 0)
        await this.audit.record({
          action: 'study.search',
          resourceType: 'study',
          outcome: 'success',
          details: { level: levelName, results: 0, via: 'dimse' },
        });
      return {
        status: FIND_STATUS.SUCCESS,
        matches: results.map((r) =>
          writeIdentifier(this.answer(r, identifier, levelName, ae), explicitVr, ae.characterSet),
        ),
      };
    });
  }

  // The keys the query asked for, each with the match's value or empty (PS3.4 C.4.1.1.3.2), plus the level and
  // the Specific Character Set of the AE.
  private answer(r: DicomJsonDataset, identifier: Naturalized, level: string, ae: KnownAe): Element[] {
    const out: Element[] = [
      { tag: 0x00080005, vr: 'CS', value: ae.characterSet },
      { tag: 0x00080052, vr: 'CS', value: level },
    ];
    for (const k of Object.keys(identifier)) {
      if (NOT_RETURNED.has(k)) continue;
      const tag = tagOf(k);
      const entry = tag ? lookupTag(tag) : undefined;
      if (!tag || !entry || !TEXT_VRS.has(entry.vr)) continue; // sequences and binary values are not answered
      out.push({ tag: parseInt(tag, 16), vr: entry.vr as TextVr, value: jsonText(r[tag]) });
    }
    return out;
  }
}
