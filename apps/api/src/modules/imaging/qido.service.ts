import { Injectable } from '@nestjs/common';
import { keywordOf, tagOf, type DicomJsonDataset } from '@zhiyin/dicom';
import { studyReadScope } from '@zhiyin/workflow';
import { AppError } from '#src/common/errors.js';
import type { Actor } from '#src/common/request-context.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { ImagingRepository } from './imaging.repository.js';

export type QidoLevel = 'study' | 'series' | 'instance';
type Query = Record<string, string | string[] | undefined>;

const MAX_LIMIT = 1000;

interface QidoRow {
  study_id: string;
  patient_id: string | null;
  study_instance_uid: string;
  series_instance_uid?: string;
  sop_instance_uid?: string;
  modalities?: string[];
  series_count?: number;
  instance_count?: number;
  series_instances?: number;
  study_meta?: DicomJsonDataset;
  series_meta?: DicomJsonDataset;
  instance_meta?: DicomJsonDataset;
}

// Matching keys per level (PS3.18 §10.6.1.2 Table 10.6.1-5), mapped to SQL.
const STUDY_KEYS: Record<string, string> = {
  '00100020': 'patientId',
  '00100010': 'patientName',
  '00080020': 'studyDate',
  '00080030': 'studyTime',
  '00080050': 'accessionNumber',
  '00080061': 'modalitiesInStudy',
  '0020000D': 'studyUid',
  '00081030': 'studyDescription',
  '00200010': 'studyId',
  '00080090': 'referringPhysician',
};
const SERIES_KEYS: Record<string, string> = {
  '00080060': 'modality',
  '0020000E': 'seriesUid',
  '00200011': 'seriesNumber',
};
const INSTANCE_KEYS: Record<string, string> = {
  '00080016': 'sopClassUid',
  '00080018': 'sopInstanceUid',
  '00200013': 'instanceNumber',
};
const CONTROL = new Set(['includefield', 'fuzzymatching', 'limit', 'offset', 'orderby']);

interface Where {
  sql: string[];
  params: unknown[];
}

const add = (w: Where, value: unknown) => {
  w.params.push(value);
  return `$${w.params.length}`;
};

function toLike(value: string): string {
  return value
    .replace(/[\\%_]/g, (c) => `\\${c}`)
    .replace(/\*/g, '%')
    .replace(/\?/g, '_');
}
const hasWildcard = (v: string) => /[*?]/.test(v);
const list = (v: string) =>
  v
    .split(/[,\\]/)
    .map((x) => x.trim())
    .filter(Boolean);

function dateRange(value: string, key: string): [string | null, string | null] {
  const d = '(\\d{4})(\\d{2})(\\d{2})';
  const m = new RegExp(`^(?:${d})?(-)?(?:${d})?$`).exec(value.replace(/[.]/g, ''));
  if (!m || (!m[1] && !m[5]) || (m[1] && m[5] && !m[4])) {
    throw new AppError('BAD_REQUEST', `${key} must be a date YYYYMMDD or a range YYYYMMDD-YYYYMMDD.`, {
      reason: 'INVALID_DATE_RANGE',
    });
  }
  const iso = (y?: string, mo?: string, da?: string) => {
    if (!y) return null;
    const s = `${y}-${mo}-${da}`;
    const parsed = new Date(`${s}T00:00:00Z`);
    if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== s)
      throw new AppError('BAD_REQUEST', `${key} contains an impossible date.`, { reason: 'INVALID_DATE_RANGE' });
    return s;
  };
  const from = iso(m[1], m[2], m[3]);
  const to = iso(m[5], m[6], m[7]);
  if (!m[4]) return [from, from];
  if (from && to && from > to)
    throw new AppError('BAD_REQUEST', `${key}: the range starts after it ends.`, { reason: 'INVALID_DATE_RANGE' });
  return [from, to];
}

// TM per PS3.5 6.2: HH, HHMM, HHMMSS or HHMMSS.F{1,6}; hours 00-23, minutes 00-59, seconds 00-60 (leap second).
// The ACR-NEMA form with colons is accepted too.
const TM = /^(\d{2})(?:(\d{2})(?:(\d{2})(?:\.(\d{1,6}))?)?)?$/;

function timeBound(value: string, end: 'low' | 'high'): string {
  const m = TM.exec(value.replace(/:/g, ''));
  const bad = () =>
    new AppError(
      'BAD_REQUEST',
      `StudyTime must be a time HH, HHMM or HHMMSS[.FFFFFF] (hours 00-23, minutes 00-59, seconds 00-60) or a range of two; got "${value.slice(0, 32)}".`,
      { reason: 'INVALID_TIME_RANGE' },
    );
  if (!m) throw bad();
  const [, hh, mm, ss, frac] = m;
  if (Number(hh) > 23 || (mm !== undefined && Number(mm) > 59) || (ss !== undefined && Number(ss) > 60)) throw bad();
  const given = `${hh}${mm ?? ''}${ss ?? ''}`;
  if (end === 'low') return `${given.padEnd(6, '0')}${frac ? `.${frac}` : ''}`;
  // The upper bound covers the whole hour, minute or second named (stored times are compared as text).
  return frac ? `${given}.${frac.padEnd(6, '9')}` : `${given.padEnd(6, '9')}.999999`;
}

function timeRange(value: string): [string | null, string | null] {
  const parts = value.split('-');
  if (parts.length > 2 || parts.every((p) => p.trim() === ''))
    throw new AppError('BAD_REQUEST', 'StudyTime must be HHMMSS or a range HHMMSS-HHMMSS.', {
      reason: 'INVALID_TIME_RANGE',
    });
  const [a = '', b] = parts.map((p) => p.trim());
  if (b === undefined) return [timeBound(a, 'low'), timeBound(a, 'high')];
  const lo = a === '' ? null : timeBound(a, 'low');
  const hi = b === '' ? null : timeBound(b, 'high');
  if (lo && hi && lo > hi)
    throw new AppError('BAD_REQUEST', 'StudyTime: the range starts after it ends.', { reason: 'INVALID_TIME_RANGE' });
  return [lo, hi];
}

@Injectable()
export class QidoService {
  constructor(
    private readonly repo: ImagingRepository,
    private readonly audit: AuditService,
  ) {}

  async search(
    level: QidoLevel,
    actor: Actor,
    query: Query,
    baseUrl: string,
    scope: { studyUid?: string; seriesUid?: string } = {},
  ): Promise<{ results: DicomJsonDataset[]; truncated: boolean }> {
    const w: Where = { sql: [], params: [] };
    if (scope.studyUid) w.sql.push(`st.study_instance_uid = ${add(w, scope.studyUid)}`);
    if (scope.seriesUid) w.sql.push(`se.series_instance_uid = ${add(w, scope.seriesUid)}`);

    const fuzzy = String(query.fuzzymatching ?? '').toLowerCase() === 'true';
    const includes = new Set<string>();
    let includeAll = false;
    for (const [rawKey, rawValue] of Object.entries(query)) {
      const values = Array.isArray(rawValue) ? rawValue : [rawValue ?? ''];
      if (rawKey === 'includefield') {
        for (const v of values.flatMap((x) => x.split(','))) {
          if (v.trim() === 'all') includeAll = true;
          else {
            const t = tagOf(v.trim());
            if (!t)
              throw new AppError('BAD_REQUEST', `includefield names an unknown attribute: ${v.trim().slice(0, 64)}`, {
                reason: 'UNKNOWN_ATTRIBUTE',
              });
            includes.add(t);
          }
        }
        continue;
      }
      if (CONTROL.has(rawKey)) continue;
      const tag = tagOf(rawKey);
      const allowed = {
        ...STUDY_KEYS,
        ...(level !== 'study' ? SERIES_KEYS : {}),
        ...(level === 'instance' ? INSTANCE_KEYS : {}),
      };
      const field = tag ? allowed[tag] : undefined;
      if (!field) {
        throw new AppError(
          'BAD_REQUEST',
          `${rawKey.slice(0, 64)} is not a query key supported at the ${level} level. Supported: ${Object.keys(allowed)
            .map((t) => keywordOf(t))
            .join(', ')}.`,
          { reason: 'UNKNOWN_QUERY_KEY' },
        );
      }
      // A key given more than once is read as a list of values, any of which may match: the way a comma-separated
      // list of UIDs or code strings matches (PS3.18 8.3.4.1, PS3.4 C.2.2.2.2 list matching). Keeping only the
      // last one silently answered another question than the one asked.
      const given = values.map((v) => String(v).trim());
      if (given.some((v) => v === '')) continue; // universal matching
      if (given.length === 1) {
        this.match(w, field, given[0]!, fuzzy);
        continue;
      }
      const alternatives = given.map((v) => {
        const one: Where = { sql: [], params: w.params };
        this.match(one, field, v, fuzzy);
        return one.sql.length > 0 ? `(${one.sql.join(' AND ')})` : 'TRUE';
      });
      w.sql.push(`(${alternatives.join(' OR ')})`);
    }
    const limit = this.intParam(query.limit, 'limit', MAX_LIMIT);
    const offset = this.intParam(query.offset, 'offset', 0);
    const effectiveLimit = Math.min(limit === 0 ? MAX_LIMIT : limit, MAX_LIMIT);

    const order = {
      study: 'st.study_date DESC NULLS LAST, st.study_time DESC NULLS LAST, st.id',
      series: 'st.study_date DESC NULLS LAST, st.id, se.series_number NULLS LAST, se.id',
      instance: 'se.series_number NULLS LAST, se.id, i.instance_number NULLS LAST, i.id',
    }[level];
    const from = {
      study: 'study st',
      series: 'series se JOIN study st ON st.id = se.study_id',
      instance: 'instance i JOIN series se ON se.id = i.series_id JOIN study st ON st.id = i.study_id',
    }[level];
    // Only the attributes the answer names, taken out of each instance's metadata by PostgreSQL: a series of a few
    // hundred slices is answered without reading every instance's whole data set into the server.
    const instanceMeta = () =>
      includeAll
        ? 'i.metadata'
        : `(SELECT jsonb_object_agg(k, i.metadata -> k) FROM unnest(${add(w, [...INSTANCE_DEFAULTS, ...includes])}::text[]) AS k WHERE i.metadata ? k)`;
    const select =
      level === 'study'
        ? 'st.id AS study_id, st.patient_id, st.study_instance_uid, st.modalities, st.series_count, st.instance_count, st.metadata AS study_meta'
        : level === 'series'
          ? 'st.id AS study_id, st.patient_id, st.study_instance_uid, se.series_instance_uid, se.instance_count AS series_instances, se.metadata AS series_meta, st.metadata AS study_meta'
          : `st.id AS study_id, st.patient_id, st.study_instance_uid, se.series_instance_uid, i.sop_instance_uid, ${instanceMeta()} AS instance_meta`;
    // Only the studies the caller may read (the rule of packages/workflow, applied by the repository): outside
    // it a search simply finds nothing, at every level.
    const rows = await this.repo.search<QidoRow>({
      scope: studyReadScope(actor),
      select,
      from,
      where: w.sql,
      params: w.params,
      order,
      limit: effectiveLimit + 1,
      offset,
    });
    const truncated = rows.length > effectiveLimit;
    const page = rows.slice(0, effectiveLimit);
    const results = page.map((r) => this.toJson(level, r, baseUrl, includes, includeAll));

    const studies = new Map<string, string | null>();
    for (const r of page) studies.set(r.study_id, r.patient_id);
    await this.audit.record(
      [...studies].map(([studyId, patientId]) => ({
        action: 'study.search',
        resourceType: 'study',
        resourceId: studyId,
        patientId,
        outcome: 'success' as const,
        details: { level, results: page.length },
      })),
    );
    // Warn only when the server cut the answer, not when the client asked for a page.
    return { results, truncated: truncated && (query.limit === undefined || limit === 0) };
  }

  private intParam(v: string | string[] | undefined, name: string, dflt: number): number {
    if (v === undefined) return dflt;
    const s = Array.isArray(v) ? v[v.length - 1]! : v;
    if (!/^\d{1,9}$/.test(s))
      throw new AppError('BAD_REQUEST', `${name} must be a whole number.`, { reason: 'INVALID_PARAMETER' });
    return Number(s);
  }

  private match(w: Where, field: string, value: string, fuzzy: boolean): void {
    const text = (col: string, v: string, caseInsensitive = false) => {
      const c = caseInsensitive ? `lower(${col})` : col;
      const val = caseInsensitive ? v.toLowerCase() : v;
      return hasWildcard(v) ? `${c} LIKE ${add(w, toLike(val))} ESCAPE '\\'` : `${c} = ${add(w, val)}`;
    };
    switch (field) {
      case 'patientId':
        // A study filed under a patient record (it joined that patient's referral) is found by the record's
        // number too, whatever Patient ID its file carries: the patient's page lists every study of the patient.
        w.sql.push(
          `(${text('st.dicom_patient_id', value)} OR EXISTS (SELECT 1 FROM patient fp WHERE fp.id = st.patient_id AND ${text('fp.mrn', value)}))`,
        );
        return;
      case 'accessionNumber':
        w.sql.push(text('st.accession_number', value));
        return;
      case 'studyId':
        w.sql.push(text('st.study_id', value));
        return;
      case 'studyDescription':
        w.sql.push(text('st.study_description', value, true));
        return;
      case 'referringPhysician':
        w.sql.push(
          `lower(st.metadata->'00080090'->'Value'->0::text) LIKE ${add(w, `%${toLike(value.toLowerCase()).replace(/%$/, '')}%`)} ESCAPE '\\'`,
        );
        return;
      case 'studyUid':
        w.sql.push(`st.study_instance_uid = ANY(${add(w, list(value))})`);
        return;
      case 'seriesUid':
        w.sql.push(`se.series_instance_uid = ANY(${add(w, list(value))})`);
        return;
      case 'sopInstanceUid':
        w.sql.push(`i.sop_instance_uid = ANY(${add(w, list(value))})`);
        return;
      case 'sopClassUid':
        w.sql.push(`i.sop_class_uid = ANY(${add(w, list(value))})`);
        return;
      case 'modality':
        w.sql.push(
          `se.modality = ANY(${add(
            w,
            list(value).map((m) => m.toUpperCase()),
          )})`,
        );
        return;
      case 'modalitiesInStudy':
        w.sql.push(
          `st.modalities && ${add(
            w,
            list(value).map((m) => m.toUpperCase()),
          )}::text[]`,
        );
        return;
      case 'seriesNumber':
      case 'instanceNumber': {
        if (!/^-?\d{1,9}$/.test(value))
          throw new AppError('BAD_REQUEST', `${field} must be a whole number.`, { reason: 'INVALID_PARAMETER' });
        w.sql.push(`${field === 'seriesNumber' ? 'se.series_number' : 'i.instance_number'} = ${add(w, Number(value))}`);
        return;
      }
      case 'studyDate': {
        const [lo, hi] = dateRange(value, 'StudyDate');
        if (lo) w.sql.push(`st.study_date >= ${add(w, lo)}`);
        if (hi) w.sql.push(`st.study_date <= ${add(w, hi)}`);
        return;
      }
      case 'studyTime': {
        const [lo, hi] = timeRange(value);
        if (lo) w.sql.push(`st.study_time >= ${add(w, lo)}`);
        if (hi) w.sql.push(`st.study_time <= ${add(w, hi)}`);
        return;
      }
      case 'patientName': {
        // Case-insensitive; any component group (Alphabetic=Ideographic=Phonetic) may match, and the
        // Han characters and their pinyin are both searchable.
        const groups = value
          .toLowerCase()
          .split('=')
          .map((g) => g.trim().replace(/\^+$/, ''))
          .filter(Boolean);
        const ors: string[] = [];
        for (const g of groups) {
          const patterns = fuzzy ? [`${toLike(g)}%`, `%^${toLike(g)}%`, `% ${toLike(g)}%`] : [toLike(g)];
          if (!fuzzy && !hasWildcard(g)) patterns.push(toLike(g).replace(/\^/g, ''));
          for (const p of patterns) ors.push(`k LIKE ${add(w, p)} ESCAPE '\\'`);
        }
        if (ors.length) w.sql.push(`EXISTS (SELECT 1 FROM unnest(st.patient_name_keys) k WHERE ${ors.join(' OR ')})`);
        return;
      }
      default:
        throw new AppError('INTERNAL', 'Unhandled query key.');
    }
  }

  private toJson(
    level: QidoLevel,
    r: QidoRow,
    baseUrl: string,
    includes: Set<string>,
    includeAll: boolean,
  ): DicomJsonDataset {
    const studyMeta = r.study_meta;
    const seriesMeta = r.series_meta;
    const instMeta = r.instance_meta;
    const out: DicomJsonDataset = {};
    const copy = (src: DicomJsonDataset | undefined, tags: string[]) => {
      for (const t of tags) {
        const el = src?.[t];
        if (el) out[t] = stripBulk(el);
      }
    };
    out['00080005'] = { vr: 'CS', Value: ['ISO_IR 192'] };
    const studyUrl = `${baseUrl}/studies/${r.study_instance_uid}`;
    if (level === 'study') {
      copy(studyMeta, [
        '00080020',
        '00080030',
        '00080050',
        '00080090',
        '00100010',
        '00100020',
        '00100030',
        '00100040',
        '0020000D',
        '00200010',
        '00081030',
      ]);
      out['00080056'] = { vr: 'CS', Value: ['ONLINE'] };
      out['00080061'] = { vr: 'CS', Value: r.modalities ?? [] };
      out['00081190'] = { vr: 'UR', Value: [studyUrl] };
      out['00201206'] = { vr: 'IS', Value: [r.series_count ?? 0] };
      out['00201208'] = { vr: 'IS', Value: [r.instance_count ?? 0] };
      this.addIncludes(out, [studyMeta], includes, includeAll);
    } else if (level === 'series') {
      copy(seriesMeta, [
        '00080060',
        '0020000E',
        '00200011',
        '0008103E',
        '00080021',
        '00080031',
        '00400244',
        '00400245',
      ]);
      copy(studyMeta, ['0020000D']);
      out['00080056'] = { vr: 'CS', Value: ['ONLINE'] };
      out['00081190'] = { vr: 'UR', Value: [`${studyUrl}/series/${r.series_instance_uid}`] };
      out['00201209'] = { vr: 'IS', Value: [r.series_instances ?? 0] };
      this.addIncludes(out, [seriesMeta, studyMeta], includes, includeAll);
    } else {
      copy(instMeta, INSTANCE_DEFAULTS);
      out['00080056'] = { vr: 'CS', Value: ['ONLINE'] };
      out['00081190'] = {
        vr: 'UR',
        Value: [`${studyUrl}/series/${r.series_instance_uid}/instances/${r.sop_instance_uid}`],
      };
      this.addIncludes(out, [instMeta], includes, includeAll);
    }
    return sortTags(out);
  }

  private addIncludes(
    out: DicomJsonDataset,
    sources: (DicomJsonDataset | undefined)[],
    includes: Set<string>,
    all: boolean,
  ) {
    for (const src of sources) {
      if (!src) continue;
      for (const [tag, el] of Object.entries(src)) {
        if ((all || includes.has(tag)) && !out[tag] && tag !== '00080005') out[tag] = stripBulk(el);
      }
    }
  }
}

/** The instance attributes every instance-level answer carries (PS3.18 Table 10.6.3-5), from its metadata. */
const INSTANCE_DEFAULTS = [
  '00080016',
  '00080018',
  '00200013',
  '00280010',
  '00280011',
  '00280008',
  '00280100',
  '0020000D',
  '0020000E',
  '00080060',
];

// QIDO-RS answers carry no bulk data.
function stripBulk(el: DicomJsonDataset[string]): DicomJsonDataset[string] {
  if (!el.BulkDataURI && !el.InlineBinary) return el;
  return { vr: el.vr };
}

export function sortTags(json: DicomJsonDataset): DicomJsonDataset {
  return Object.fromEntries(Object.entries(json).sort(([a], [b]) => (a < b ? -1 : 1)));
}
