import { SPECIALTY_LABELS } from '@zhiyin/workflow';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useAuth } from '../../lib/auth';
import { useI18n } from '../../i18n/i18n';
import { useAsync, usePageTitle } from '../../lib/hooks';
import {
  createUser,
  listFacilities,
  listUsers,
  passwordProblem,
  resetPassword,
  setUserActive,
  SPECIALTIES,
  STAFF_ROLES,
  updateUser,
  type Facility,
  type Specialty,
  type StaffRole,
  type User,
  type UserFilters,
} from './api';
import { ADMIN_ERRORS, adminKey, EditorActions, Field, StatusNote, useFieldErrors } from './shared';
import './admin.css';
import { ErrorMessage, useErrorText } from '../../lib/errors';
import { useAction } from '../../lib/useAction';

const PAGE = 50;
const USERNAME = /^[a-z0-9][a-z0-9._-]{2,31}$/;

type Panel = { kind: 'new' } | { kind: 'edit'; user: User } | { kind: 'password'; user: User } | null;

export default function UsersPage() {
  const { t, name, labelOf } = useI18n();
  usePageTitle('nav.users');
  const ids = useId();
  const [draft, setDraft] = useState<UserFilters>({ q: '', role: '', facilityId: '', active: '' });
  const [filters, setFilters] = useState<UserFilters>(draft);
  const [offset, setOffset] = useState(0);
  const [panel, setPanel] = useState<Panel>(null);
  const [status, setStatus] = useState<string | null>(null);
  const facilities = useAsync((signal) => listFacilities(signal), []);
  const users = useAsync((signal) => listUsers({ ...filters, limit: PAGE, offset }, signal), [filters, offset]);
  const byId = new Map((facilities.data?.facilities ?? []).map((f) => [f.id, f]));

  const apply = (next: UserFilters) => {
    setFilters(next);
    setOffset(0);
  };
  const done = (text: string) => {
    setPanel(null);
    setStatus(text);
    users.reload();
  };
  const open = (p: Panel) => {
    setStatus(null);
    setPanel(p);
  };
  const total = users.data?.total ?? 0;
  const personName = (u: User) => name(u.displayNameZh, u.displayNameEn);

  return (
    <section className="page admin-page">
      <div className="page-head">
        <h1>{t('nav.users')}</h1>
        {panel === null && (
          <div className="actions">
            <button type="button" onClick={() => open({ kind: 'new' })}>
              {t('admin.users.new')}
            </button>
          </div>
        )}
      </div>
      <p className="muted">{t('admin.users.intro')}</p>
      <StatusNote text={status} />
      {panel?.kind === 'new' && (
        <UserEditor
          user={null}
          facilities={facilities.data?.facilities ?? []}
          onCancel={() => setPanel(null)}
          onDone={done}
        />
      )}
      {panel?.kind === 'edit' && (
        <UserEditor
          key={panel.user.id}
          user={panel.user}
          facilities={facilities.data?.facilities ?? []}
          onCancel={() => setPanel(null)}
          onDone={done}
        />
      )}
      {panel?.kind === 'password' && (
        <PasswordReset key={panel.user.id} user={panel.user} onCancel={() => setPanel(null)} onDone={done} />
      )}

      <form
        className="admin-filters"
        role="search"
        aria-label={t('common.search')}
        onSubmit={(e) => {
          e.preventDefault();
          apply(draft);
        }}
      >
        <div className="filters">
          <div className="field">
            <label htmlFor={`${ids}-q`}>{t('admin.users.search')}</label>
            <input
              id={`${ids}-q`}
              type="search"
              value={draft.q}
              onChange={(e) => setDraft((d) => ({ ...d, q: e.target.value }))}
            />
          </div>
          <div className="field">
            <label htmlFor={`${ids}-role`}>{t('admin.users.role')}</label>
            <select
              id={`${ids}-role`}
              value={draft.role}
              onChange={(e) => {
                const next = { ...draft, role: e.target.value as StaffRole | '' };
                setDraft(next);
                apply(next);
              }}
            >
              <option value="">{t('admin.all')}</option>
              {STAFF_ROLES.map((r) => (
                <option key={r} value={r}>
                  {t(`role.${r}`)}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${ids}-facility`}>{t('admin.users.facility')}</label>
            <select
              id={`${ids}-facility`}
              value={draft.facilityId}
              onChange={(e) => {
                const next = { ...draft, facilityId: e.target.value };
                setDraft(next);
                apply(next);
              }}
            >
              <option value="">{t('admin.all')}</option>
              {(facilities.data?.facilities ?? []).map((f) => (
                <option key={f.id} value={f.id}>
                  {f.code} · {name(f.nameZh, f.nameEn)}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${ids}-active`}>{t('admin.status')}</label>
            <select
              id={`${ids}-active`}
              value={draft.active}
              onChange={(e) => {
                const next = { ...draft, active: e.target.value as UserFilters['active'] };
                setDraft(next);
                apply(next);
              }}
            >
              <option value="">{t('admin.all')}</option>
              <option value="true">{t('admin.active')}</option>
              <option value="false">{t('admin.inactive')}</option>
            </select>
          </div>
        </div>
        <div className="actions">
          <button type="submit">{t('common.search')}</button>
        </div>
      </form>

      <ErrorMessage error={users.error ?? facilities.error} wording={ADMIN_ERRORS} />
      {users.data && (
        <>
          <p className="admin-count muted" role="status">
            {t('admin.users.count', { total })}
          </p>
          {users.data.items.length === 0 ? (
            <p>{t('admin.users.none')}</p>
          ) : (
            <div className="table-wrap">
              <table className="list">
                <thead>
                  <tr>
                    <th scope="col">{t('admin.users.name')}</th>
                    <th scope="col">{t('admin.users.username')}</th>
                    <th scope="col">{t('admin.users.role')}</th>
                    <th scope="col">{t('admin.users.facility')}</th>
                    <th scope="col">{t('admin.status')}</th>
                    <th scope="col">{t('admin.actions')}</th>
                  </tr>
                </thead>
                <tbody>
                  {users.data.items.map((u) => {
                    const f = u.facilityId ? byId.get(u.facilityId) : undefined;
                    return (
                      <tr key={u.id} className={u.active ? undefined : 'admin-inactive'}>
                        <th scope="row" className="admin-rowhead">
                          {personName(u)}
                        </th>
                        <td className="mono">{u.username}</td>
                        <td>
                          {t(`role.${u.role}`)}
                          {u.specialty && (
                            <span className="admin-sub muted"> · {labelOf(SPECIALTY_LABELS[u.specialty])}</span>
                          )}
                        </td>
                        <td>{f ? name(f.nameZh, f.nameEn) : t('admin.users.network')}</td>
                        <td>{u.active ? t('admin.active') : <strong>{t('admin.inactive')}</strong>}</td>
                        <td>
                          <div className="admin-row-actions">
                            <button
                              type="button"
                              className="secondary"
                              aria-label={`${t('common.edit')} ${personName(u)}`}
                              onClick={() => open({ kind: 'edit', user: u })}
                            >
                              {t('common.edit')}
                            </button>
                            <button
                              type="button"
                              className="secondary"
                              aria-label={`${t('admin.users.resetPassword')} ${personName(u)}`}
                              onClick={() => open({ kind: 'password', user: u })}
                            >
                              {t('admin.users.resetPassword')}
                            </button>
                          </div>
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
          {total > PAGE && (
            <nav className="pager" aria-label={t('common.pages')}>
              <button
                type="button"
                className="secondary"
                disabled={offset === 0}
                onClick={() => setOffset(Math.max(0, offset - PAGE))}
              >
                {t('common.previous')}
              </button>
              <span>{t('common.range', { from: offset + 1, to: Math.min(total, offset + PAGE), total })}</span>
              <button
                type="button"
                className="secondary"
                disabled={offset + PAGE >= total}
                onClick={() => setOffset(offset + PAGE)}
              >
                {t('common.next')}
              </button>
            </nav>
          )}
        </>
      )}
    </section>
  );
}

interface Form {
  username: string;
  displayNameZh: string;
  displayNameEn: string;
  role: StaffRole;
  facilityId: string;
  specialty: Specialty | '';
  password: string;
  onDuty: boolean;
}
type FormKey = keyof Form;
type Errors = Partial<Record<FormKey, string>>;

/** Facilities an account of this role can belong to. */
function facilitiesFor(role: StaffRole, all: Facility[], current: string | null): Facility[] {
  if (role === 'admin') return [];
  const kind = role === 'community_doctor' ? 'community' : 'hub';
  return all.filter((f) => f.kind === kind && (f.active || f.id === current));
}

function UserEditor({
  user,
  facilities,
  onCancel,
  onDone,
}: {
  user: User | null;
  facilities: Facility[];
  onCancel: () => void;
  onDone: (text: string) => void;
}) {
  const { t, name, labelOf } = useI18n();
  const { session } = useAuth();
  const ids = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  const [form, setForm] = useState<Form>(() => ({
    username: user?.username ?? '',
    displayNameZh: user?.displayNameZh ?? '',
    displayNameEn: user?.displayNameEn ?? '',
    role: user?.role ?? 'community_doctor',
    facilityId: user?.facilityId ?? '',
    specialty: user?.specialty ?? '',
    password: '',
    onDuty: user?.onDuty ?? false,
  }));
  const { busy, errors, submitError, refuse, send } = useFieldErrors<FormKey>(ids, form);
  const [confirming, setConfirming] = useState(false);
  const self = user?.id === session?.user.id;

  useEffect(() => heading.current?.focus(), []);

  const options = facilitiesFor(form.role, facilities, user?.facilityId ?? null);
  const set = (field: FormKey) => (e: { target: { value: string } }) =>
    setForm((f) => ({ ...f, [field]: e.target.value }));

  const check = (): Errors => {
    const e: Errors = {};
    if (!user) {
      if (!form.username.trim()) e.username = t('admin.required');
      else if (!USERNAME.test(form.username.trim())) e.username = t('admin.users.invalid.username');
    }
    if (!form.displayNameZh.trim()) e.displayNameZh = t('admin.required');
    if (!form.displayNameEn.trim()) e.displayNameEn = t('admin.required');
    if (form.role !== 'admin' && !form.facilityId) e.facilityId = t('admin.users.invalid.facilityId');
    if (form.role === 'specialist' && !form.specialty) e.specialty = t('admin.users.invalid.specialty');
    if (!user) {
      const problem = passwordProblem(form.password, form.username.trim());
      if (problem) e.password = t(adminKey(`admin.users.password.${problem}`) ?? 'admin.required');
    }
    return e;
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (refuse(check())) return;
    const placement = {
      role: form.role,
      ...(form.role !== 'admin' ? { facilityId: form.facilityId } : {}),
      ...(form.role === 'specialist' && form.specialty ? { specialty: form.specialty } : {}),
    };
    return send(async () => {
      const saved = user
        ? await updateUser(user.id, {
            displayNameZh: form.displayNameZh.trim(),
            displayNameEn: form.displayNameEn.trim(),
            ...(self ? {} : placement),
            ...(form.role === 'specialist' || form.role === 'coordinator' ? { onDuty: form.onDuty } : {}),
          })
        : await createUser({
            username: form.username.trim(),
            displayNameZh: form.displayNameZh.trim(),
            displayNameEn: form.displayNameEn.trim(),
            password: form.password,
            ...placement,
          });
      const who = name(saved.displayNameZh, saved.displayNameEn);
      onDone(
        user
          ? t('admin.users.updated', { name: who })
          : t('admin.users.created', { name: who, username: saved.username }),
      );
    });
  };

  const toggleActive = () => {
    if (!user) return;
    return send(async () => {
      try {
        const saved = await setUserActive(user.id, !user.active);
        const who = name(saved.displayNameZh, saved.displayNameEn);
        onDone(t(saved.active ? 'admin.users.activated' : 'admin.users.deactivated', { name: who }));
      } catch (err) {
        setConfirming(false);
        throw err;
      }
    });
  };

  const who = user ? name(user.displayNameZh, user.displayNameEn) : '';
  const text = (field: 'username' | 'displayNameZh' | 'displayNameEn', label: string, hint?: string, l?: string) => (
    <Field id={`${ids}-${field}`} label={label} hint={hint} error={errors[field]}>
      {(a11y) => <input {...a11y} name={field} value={form[field]} onChange={set(field)} autoComplete="off" lang={l} />}
    </Field>
  );

  return (
    <section className="card admin-editor" aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`} ref={heading} tabIndex={-1}>
        {user ? t('admin.users.editTitle', { name: who }) : t('admin.users.new')}
      </h2>
      <form onSubmit={(e) => void submit(e)} noValidate className="form-grid">
        {user ? (
          <p>
            {t('admin.users.username')}: <span className="mono">{user.username}</span>
          </p>
        ) : (
          text('username', t('admin.users.username'), t('admin.users.usernameHint'))
        )}
        <div className="row">
          {text('displayNameZh', t('admin.users.displayNameZh'), undefined, 'zh-CN')}
          {text('displayNameEn', t('admin.users.displayNameEn'), undefined, 'en')}
        </div>
        <div className="row">
          <Field id={`${ids}-role`} label={t('admin.users.role')} error={errors.role}>
            {(a11y) => (
              <select
                {...a11y}
                name="role"
                value={form.role}
                disabled={self}
                onChange={(e) => {
                  const role = e.target.value as StaffRole;
                  setForm((f) => ({
                    ...f,
                    role,
                    facilityId: facilitiesFor(role, facilities, null).some((x) => x.id === f.facilityId)
                      ? f.facilityId
                      : '',
                  }));
                }}
              >
                {STAFF_ROLES.map((r) => (
                  <option key={r} value={r}>
                    {t(`role.${r}`)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          {form.role !== 'admin' ? (
            <Field id={`${ids}-facilityId`} label={t('admin.users.facility')} error={errors.facilityId}>
              {(a11y) => (
                <select
                  {...a11y}
                  name="facilityId"
                  value={form.facilityId}
                  disabled={self}
                  onChange={set('facilityId')}
                >
                  <option value="">—</option>
                  {options.map((f) => (
                    <option key={f.id} value={f.id}>
                      {f.code} · {name(f.nameZh, f.nameEn)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          ) : (
            <div />
          )}
        </div>
        {form.role === 'specialist' && (
          <fieldset
            className={`field${errors.specialty ? ' invalid' : ''}`}
            aria-describedby={errors.specialty ? `${ids}-specialty-err` : undefined}
          >
            <legend>{t('admin.users.specialty')}</legend>
            <div className="choices">
              {SPECIALTIES.map((s, i) => (
                <label key={s} className="choice">
                  <input
                    type="radio"
                    name="specialty"
                    id={i === 0 ? `${ids}-specialty` : undefined}
                    value={s}
                    checked={form.specialty === s}
                    onChange={() => setForm((f) => ({ ...f, specialty: s }))}
                  />
                  {labelOf(SPECIALTY_LABELS[s])}
                </label>
              ))}
            </div>
            {errors.specialty && (
              <p className="field-error" id={`${ids}-specialty-err`}>
                {errors.specialty}
              </p>
            )}
          </fieldset>
        )}
        {user && (form.role === 'specialist' || form.role === 'coordinator') && (
          <label className="choice">
            <input
              type="checkbox"
              name="onDuty"
              checked={form.onDuty}
              onChange={(e) => setForm((f) => ({ ...f, onDuty: e.target.checked }))}
            />
            {t('admin.users.onDuty')}
          </label>
        )}
        {user && <p className="hint">{t('admin.users.moveNote')}</p>}
        {!user && (
          <Field
            id={`${ids}-password`}
            label={t('admin.users.password')}
            hint={t('admin.users.passwordHint')}
            error={errors.password}
          >
            {(a11y) => (
              <input
                {...a11y}
                name="password"
                type="password"
                autoComplete="new-password"
                value={form.password}
                onChange={set('password')}
              />
            )}
          </Field>
        )}
        <ErrorMessage error={submitError} wording={ADMIN_ERRORS} />
        {/* The own account cannot be deactivated, so it is never asked to confirm that either. */}
        <EditorActions
          busy={busy}
          onCancel={onCancel}
          toggle={
            user && !self
              ? {
                  active: user.active,
                  confirming,
                  setConfirming,
                  onToggle: () => void toggleActive(),
                  activate: t('admin.users.activate'),
                  deactivate: t('admin.users.deactivate'),
                  confirmText: t('admin.users.confirmDeactivate', { name: who }),
                }
              : undefined
          }
        />
      </form>
    </section>
  );
}

function PasswordReset({
  user,
  onCancel,
  onDone,
}: {
  user: User;
  onCancel: () => void;
  onDone: (text: string) => void;
}) {
  const { t, name } = useI18n();
  const errorText = useErrorText(ADMIN_ERRORS);
  const ids = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  const [password, setPassword] = useState('');
  // A password the rules refuse before sending; the server's refusal is the action's error.
  const [passwordError, setPasswordError] = useState<string>();
  const { busy, error, run } = useAction();
  const who = name(user.displayNameZh, user.displayNameEn);
  useEffect(() => heading.current?.focus(), []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const problem = passwordProblem(password, user.username);
    setPasswordError(problem ? t(adminKey(`admin.users.password.${problem}`) ?? 'admin.required') : undefined);
    if (problem) {
      document.getElementById(`${ids}-password`)?.focus();
      return;
    }
    return run(async () => {
      await resetPassword(user.id, password);
      onDone(t('admin.users.passwordReset', { name: who }));
    });
  };

  return (
    <section className="card admin-editor" aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`} ref={heading} tabIndex={-1}>
        {t('admin.users.resetTitle', { name: who })}
      </h2>
      <p className="muted">{t('admin.users.resetNote')}</p>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <Field
          id={`${ids}-password`}
          label={t('admin.users.newPassword')}
          hint={t('admin.users.passwordHint')}
          error={passwordError ?? (error === undefined ? undefined : errorText(error))}
        >
          {(a11y) => (
            <input
              {...a11y}
              name="newPassword"
              type="password"
              autoComplete="new-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          )}
        </Field>
        <div className="actions">
          <button type="submit" disabled={busy}>
            {busy ? t('common.saving') : t('admin.users.resetPassword')}
          </button>
          <button type="button" className="secondary" onClick={onCancel}>
            {t('common.cancel')}
          </button>
        </div>
      </form>
    </section>
  );
}
