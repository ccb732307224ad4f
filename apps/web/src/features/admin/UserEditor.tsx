import {
  passwordProblem,
  SPECIALTIES,
  SPECIALTY_LABELS,
  STAFF_ROLES,
  type Specialty,
  type StaffRole,
} from '@zhiyin/workflow';
import type { FacilityView, UserView } from '@zhiyin/contracts';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useAuth } from '../../lib/auth';
import { useI18n } from '../../i18n/i18n';
import { createUser, setUserActive, updateUser } from './api';
import { ADMIN_ERRORS, adminKey, EditorActions, Field, useFieldErrors } from './shared';
import { ErrorMessage } from '../../lib/errors';

const USERNAME = /^[a-z0-9][a-z0-9._-]{2,31}$/;

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
function facilitiesFor(role: StaffRole, all: readonly FacilityView[], current: string | null): FacilityView[] {
  if (role === 'admin') return [];
  const kind = role === 'community_doctor' ? 'community' : 'hub';
  return all.filter((f) => f.kind === kind && (f.active || f.id === current));
}

/** A new account, or the changes to one (names, role and placement, on duty, active). */
export function UserEditor({
  user,
  facilities,
  onCancel,
  onDone,
}: {
  user: UserView | null;
  facilities: readonly FacilityView[];
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
