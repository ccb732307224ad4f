import type { AuditTrailRow } from '@zhiyin/contracts';

/** A byte-order mark first, so spreadsheet programs (Excel) read the file as UTF-8 and show Chinese. */
export const CSV_BOM = '\uFEFF';

/**
 * One CSV field (RFC 4180): always quoted, inner quotes doubled. A value a spreadsheet would run as a
 * formula (OWASP "CSV injection": starting with = + - @, tab or carriage return) gets a leading single
 * quote so it is shown as text; the trail holds values other people typed (names, user names, details).
 */
export function csvField(value: unknown): string {
  let s = value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return `"${s.replace(/"/g, '""')}"`;
}

/** One CSV record, ended with CRLF as RFC 4180 asks. */
export const csvLine = (fields: readonly unknown[]) => `${fields.map(csvField).join(',')}\r\n`;

export const AUDIT_CSV_HEADER = [
  'id',
  'at',
  'actor_username',
  'actor_name_zh',
  'actor_name_en',
  'actor_role',
  'facility_code',
  'facility_name_zh',
  'action',
  'outcome',
  'resource_type',
  'resource_id',
  'referral_number',
  'patient_id',
  'patient_mrn',
  'patient_name_zh',
  'patient_name_pinyin',
  'request_id',
  'client_ip',
  'details',
] as const;

export const auditCsvRecord = (r: AuditTrailRow) =>
  csvLine([
    r.id,
    r.at,
    r.actor?.username ?? r.actorId,
    r.actor?.displayNameZh,
    r.actor?.displayNameEn,
    r.actorRole,
    r.facility?.code,
    r.facility?.nameZh,
    r.action,
    r.outcome,
    r.resourceType,
    r.resourceId,
    r.referral?.number,
    r.patient?.id ?? r.patientId,
    r.patient?.mrn,
    r.patient?.nameZh,
    r.patient?.namePinyin,
    r.requestId,
    r.clientIp,
    r.details,
  ]);
