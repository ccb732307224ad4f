import { EVENT_LABELS, HUMAN_ROLES, type ReferralEventType } from '@zhiyin/workflow';
import { useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react';
import { useI18n } from '../../i18n/i18n';
import { useAsync, usePageTitle } from '../../lib/hooks';
import {
  AUDIT_OUTCOMES,
  DEVICE_AUDIT_ROLES,
  type AuditTrailPage,
  type AuditTrailRow,
  type DeviceAuditRole,
} from '@zhiyin/contracts';
import { auditVocabulary, downloadAuditCsv, listAudit, type AuditFilters } from './api';
import { ADMIN_ERRORS, adminKey } from './shared';
import './admin.css';
import { ErrorMessage } from '../../lib/errors';

const EMPTY: AuditFilters = {
  actor: '',
  action: '',
  resourceType: '',
  resourceId: '',
  patientId: '',
  referralNumber: '',
  mrn: '',
  patientName: '',
  outcome: '',
  from: '',
  to: '',
};

/** A datetime-local value (local time, no zone) as an ISO instant for the API. */
const instant = (local: string | undefined) => (local ? new Date(local).toISOString() : undefined);

// The roles a row's actor has a label for: the people's, and the machines' (a gateway, a modality, a workstation).
const LABELLED_ROLES: ReadonlySet<string> = new Set([...HUMAN_ROLES, ...DEVICE_AUDIT_ROLES]);

export default function AuditPage() {
  const { t, name, lang, labelOf } = useI18n();
  // To the second: the trail is read to reconstruct what happened in which order.
  const stamp = useMemo(() => new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'medium' }), [lang]);
  usePageTitle('nav.audit');
  const ids = useId();
  const [draft, setDraft] = useState<AuditFilters>(EMPTY);
  const [filters, setFilters] = useState<AuditFilters>(EMPTY);
  const [pages, setPages] = useState<AuditTrailPage[]>([]);
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(true);
  const vocabulary = useAsync((signal) => auditVocabulary(signal), []);
  const ctrl = useRef<AbortController | null>(null);

  const fetchPage = (f: AuditFilters, before: string | null) => {
    ctrl.current?.abort();
    const c = new AbortController();
    ctrl.current = c;
    setLoading(true);
    setError(undefined);
    listAudit({ ...f, from: instant(f.from), to: instant(f.to) }, before, c.signal).then(
      (page) => {
        if (c.signal.aborted) return;
        setPages((prev) => (before ? [...prev, page] : [page]));
        setLoading(false);
      },
      (err: unknown) => {
        if (c.signal.aborted) return;
        setError(err);
        setLoading(false);
      },
    );
  };

  useEffect(() => {
    fetchPage(filters, null);
    return () => ctrl.current?.abort();
  }, [filters]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setFilters({
      ...draft,
      actor: draft.actor?.trim(),
      resourceId: draft.resourceId?.trim(),
      patientId: draft.patientId?.trim(),
      referralNumber: draft.referralNumber?.trim(),
      mrn: draft.mrn?.trim(),
      patientName: draft.patientName?.trim(),
    });
  };

  // The export takes the filters of the rows on screen (the last search), not half-typed ones.
  const [exporting, setExporting] = useState(false);
  const [exportError, setExportError] = useState<unknown>();
  const exportCsv = () => {
    setExporting(true);
    setExportError(undefined);
    downloadAuditCsv({ ...filters, from: instant(filters.from), to: instant(filters.to) }).then(
      () => setExporting(false),
      (err: unknown) => {
        setExportError(err);
        setExporting(false);
      },
    );
  };

  const rows = pages.flatMap((p) => p.items);
  const users = Object.assign({}, ...pages.map((p) => p.users)) as AuditTrailPage['users'];
  const facilities = Object.assign({}, ...pages.map((p) => p.facilities)) as AuditTrailPage['facilities'];
  const last = pages[pages.length - 1];

  const actions = vocabulary.data?.actions ?? [];
  const groups = [...new Set(actions.map((a) => a.split('.')[0]!))];

  const actionLabel = (action: string) => {
    const key = adminKey(`admin.audit.action.${action}`);
    if (key) return t(key);
    const [head, event] = action.split('.');
    if (head === 'referral' && event && event in EVENT_LABELS)
      return t('admin.audit.referralEvent', { event: labelOf(EVENT_LABELS[event as ReferralEventType]) });
    return action;
  };
  const typeLabel = (type: string) => {
    const key = adminKey(`admin.audit.resource.${type}`);
    return key ? t(key) : type;
  };
  const roleLabel = (role: string | null) =>
    role && LABELLED_ROLES.has(role)
      ? t(`role.${role as (typeof HUMAN_ROLES)[number] | DeviceAuditRole}`)
      : (role ?? '');

  const set = (k: keyof AuditFilters) => (e: { target: { value: string } }) =>
    setDraft((d) => ({ ...d, [k]: e.target.value }));
  const input = (k: keyof AuditFilters, label: string, type = 'text') => (
    <div className="field">
      <label htmlFor={`${ids}-${k}`}>{label}</label>
      <input id={`${ids}-${k}`} name={k} type={type} value={draft[k] ?? ''} onChange={set(k)} autoComplete="off" />
    </div>
  );

  const who = (r: AuditTrailRow) => {
    if (r.actorRole === 'patient') return <>{t('admin.audit.patientActor')}</>;
    const u = r.actor ?? (r.actorId ? users[r.actorId] : undefined);
    if (u)
      return (
        <>
          {name(u.displayNameZh, u.displayNameEn)} <span className="mono small">({u.username})</span>
          <span className="admin-sub">{roleLabel(r.actorRole)}</span>
        </>
      );
    // a device (a DICOM AE's registration, a gateway's account) by its id and what it is
    if (r.actorId)
      return (
        <>
          <span className="mono small">{r.actorId}</span>
          {r.actorRole ? <span className="admin-sub">{roleLabel(r.actorRole)}</span> : null}
        </>
      );
    return <>{r.action.startsWith('auth.') ? t('admin.audit.anonymous') : t('admin.audit.system')}</>;
  };

  const record = (r: AuditTrailRow) => {
    const u = r.resourceType === 'user' && r.resourceId ? users[r.resourceId] : undefined;
    const f = r.resourceType === 'facility' && r.resourceId ? facilities[r.resourceId] : undefined;
    return (
      <>
        {typeLabel(r.resourceType)}
        {u && (
          <>
            {' '}
            · {name(u.displayNameZh, u.displayNameEn)} <span className="mono small">({u.username})</span>
          </>
        )}
        {f && (
          <>
            {' '}
            · {name(f.nameZh, f.nameEn)} <span className="mono small">({f.code})</span>
          </>
        )}
        {r.referral && (
          <>
            {' '}
            · <span className="mono">{r.referral.number}</span>
          </>
        )}
        {r.patient && (
          <span className="admin-sub">
            {t('admin.audit.patientNamed', { name: name(r.patient.nameZh, r.patient.namePinyin), mrn: r.patient.mrn })}
          </span>
        )}
        {!u && !f && r.resourceId && <span className="admin-sub mono">{r.resourceId}</span>}
        {!r.patient && r.patientId && r.patientId !== r.resourceId && (
          <span className="admin-sub mono">{t('admin.audit.patient', { id: r.patientId })}</span>
        )}
      </>
    );
  };

  const details = (r: AuditTrailRow) => {
    const d = r.details ?? {};
    const parts: string[] = [];
    if (Array.isArray(d.fields)) parts.push(t('admin.audit.details.fields', { list: d.fields.join(', ') }));
    if (Array.isArray(d.changed)) parts.push(t('admin.audit.details.changed', { list: d.changed.join(', ') }));
    if (typeof d.sessionsEnded === 'number' && d.sessionsEnded > 0)
      parts.push(t('admin.audit.details.sessionsEnded', { n: d.sessionsEnded }));
    return parts.join(' · ');
  };

  return (
    <section className="page wide admin-page">
      <h1>{t('nav.audit')}</h1>
      <p className="muted">{t('admin.audit.intro')}</p>
      <form className="admin-filters" role="search" aria-label={t('common.search')} onSubmit={submit}>
        <div className="filters">
          {input('actor', t('admin.audit.actor'))}
          <div className="field">
            <label htmlFor={`${ids}-action`}>{t('admin.audit.action')}</label>
            <select id={`${ids}-action`} name="action" value={draft.action} onChange={set('action')}>
              <option value="">{t('admin.audit.anyAction')}</option>
              {groups.map((g) => (
                <optgroup key={g} label={typeLabel(g)}>
                  <option value={`${g}.`}>{t('admin.audit.actionGroup', { name: typeLabel(g) })}</option>
                  {actions
                    .filter((a) => a.startsWith(`${g}.`))
                    .map((a) => (
                      <option key={a} value={a}>
                        {actionLabel(a)}
                      </option>
                    ))}
                </optgroup>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${ids}-resourceType`}>{t('admin.audit.resourceType')}</label>
            <select
              id={`${ids}-resourceType`}
              name="resourceType"
              value={draft.resourceType}
              onChange={set('resourceType')}
            >
              <option value="">{t('admin.audit.anyType')}</option>
              {(vocabulary.data?.resourceTypes ?? []).map((r) => (
                <option key={r} value={r}>
                  {typeLabel(r)}
                </option>
              ))}
            </select>
          </div>
          {input('resourceId', t('admin.audit.resourceId'))}
        </div>
        <div className="filters">
          {input('referralNumber', t('admin.audit.referralNumber'))}
          {input('mrn', t('admin.audit.mrn'))}
          {input('patientName', t('admin.audit.patientName'))}
        </div>
        <div className="filters">
          {input('patientId', t('admin.audit.patientId'))}
          <div className="field">
            <label htmlFor={`${ids}-outcome`}>{t('admin.audit.outcome')}</label>
            <select id={`${ids}-outcome`} name="outcome" value={draft.outcome} onChange={set('outcome')}>
              <option value="">{t('admin.all')}</option>
              {AUDIT_OUTCOMES.map((o) => (
                <option key={o} value={o}>
                  {t(`admin.audit.outcome.${o}`)}
                </option>
              ))}
            </select>
          </div>
          {input('from', t('admin.audit.from'), 'datetime-local')}
          {input('to', t('admin.audit.to'), 'datetime-local')}
        </div>
        <div className="actions">
          <button type="submit">{t('common.search')}</button>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setDraft(EMPTY);
              setFilters(EMPTY);
            }}
          >
            {t('admin.audit.clear')}
          </button>
          <button type="button" className="secondary" disabled={exporting} onClick={exportCsv}>
            {exporting ? t('admin.audit.exporting') : t('admin.audit.export')}
          </button>
        </div>
      </form>
      <ErrorMessage error={error ?? exportError ?? vocabulary.error} wording={ADMIN_ERRORS} />
      <p className="admin-count muted" role="status">
        {loading
          ? t('common.loading')
          : rows.length === 0
            ? t('admin.audit.none')
            : t('admin.audit.shown', { count: rows.length })}
      </p>
      {rows.length > 0 && (
        <div className="table-wrap">
          <table className="list admin-audit">
            <thead>
              <tr>
                <th scope="col">{t('admin.audit.col.when')}</th>
                <th scope="col">{t('admin.audit.col.who')}</th>
                <th scope="col">{t('admin.audit.col.what')}</th>
                <th scope="col">{t('admin.audit.col.record')}</th>
                <th scope="col">{t('admin.audit.col.outcome')}</th>
                <th scope="col">{t('admin.audit.col.where')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => {
                const f = r.facilityId ? facilities[r.facilityId] : undefined;
                const extra = details(r);
                return (
                  <tr key={r.id}>
                    <td>
                      <time dateTime={r.at}>{stamp.format(new Date(r.at))}</time>
                    </td>
                    <td>
                      {who(r)}
                      {(r.facility ?? f) && (
                        <span className="admin-sub">{name((r.facility ?? f)!.nameZh, (r.facility ?? f)!.nameEn)}</span>
                      )}
                    </td>
                    <td>
                      {actionLabel(r.action)}
                      <span className="admin-sub mono">{r.action}</span>
                      {extra && <span className="admin-sub">{extra}</span>}
                    </td>
                    <td>{record(r)}</td>
                    <td className={`admin-outcome-${r.outcome}`}>{t(`admin.audit.outcome.${r.outcome}`)}</td>
                    <td>
                      <span className="mono small">{r.clientIp ?? '—'}</span>
                      {r.requestId && (
                        <span className="admin-sub mono">{t('admin.audit.request', { id: r.requestId })}</span>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {last && (
        <div className="pager">
          {last.nextBefore ? (
            <button
              type="button"
              className="secondary"
              disabled={loading}
              onClick={() => fetchPage(filters, last.nextBefore)}
            >
              {t('admin.audit.older')}
            </button>
          ) : (
            rows.length > 0 && <span className="muted">{t('admin.audit.end')}</span>
          )}
        </div>
      )}
    </section>
  );
}
