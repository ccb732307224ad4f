import type { PatientInput, PatientView } from '@zhiyin/contracts';
import { useEffect, useId, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useI18n } from '../../i18n/i18n';
import { ApiError } from '../../lib/api';
import { ErrorMessage } from '../../lib/errors';
import { usePageTitle } from '../../lib/hooks';
import { getPatient, SEXES, type Sex } from '../../shared/patients/api';
import { createPatient, updatePatient } from './api';
import { useAction } from '../../lib/useAction';

interface Form {
  mrn: string;
  familyNameZh: string;
  givenNameZh: string;
  namePinyin: string;
  sex: Sex | '';
  birthDate: string;
  phone: string;
  nationalId: string;
}

const EMPTY: Form = {
  mrn: '',
  familyNameZh: '',
  givenNameZh: '',
  namePinyin: '',
  sex: '',
  birthDate: '',
  phone: '',
  nationalId: '',
};

type Field = keyof Form;

/** GB 11643-1999: 17 digits and an ISO 7064 MOD 11-2 check character (the API checks it too). */
export function validNationalId(raw: string): boolean {
  const id = raw.replace(/\s+/g, '').toUpperCase();
  if (!/^\d{17}[\dX]$/.test(id)) return false;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = w.reduce((acc, x, i) => acc + x * Number(id[i]), 0);
  return '10X98765432'[sum % 11] === id[17];
}

function check(f: Form, isNew: boolean): Partial<Record<Field, 'required' | 'invalid'>> {
  const e: Partial<Record<Field, 'required' | 'invalid'>> = {};
  if (isNew && !f.mrn.trim()) e.mrn = 'required';
  else if (isNew && !/^[A-Za-z0-9._-]{1,64}$/.test(f.mrn.trim())) e.mrn = 'invalid';
  if (!f.familyNameZh.trim()) e.familyNameZh = 'required';
  if (!f.givenNameZh.trim()) e.givenNameZh = 'required';
  if (f.namePinyin.trim() && !/^[a-zA-Z ]{1,128}$/.test(f.namePinyin.trim())) e.namePinyin = 'invalid';
  if (!f.sex) e.sex = 'required';
  if (!f.birthDate) e.birthDate = 'required';
  else if (!/^\d{4}-\d{2}-\d{2}$/.test(f.birthDate) || new Date(f.birthDate) > new Date()) e.birthDate = 'invalid';
  if (f.phone.trim() && !/^[0-9+\- ]{5,20}$/.test(f.phone.trim())) e.phone = 'invalid';
  if (f.nationalId.trim() && !validNationalId(f.nationalId)) e.nationalId = 'invalid';
  return e;
}

export default function PatientFormPage() {
  const { id } = useParams();
  const isNew = !id;
  const { t } = useI18n();
  const navigate = useNavigate();
  const [form, setForm] = useState<Form>(EMPTY);
  const [original, setOriginal] = useState<PatientView>();
  const [errors, setErrors] = useState<Partial<Record<Field, 'required' | 'invalid'>>>({});
  // The save's error; a failed read of the patient shows there too.
  const { busy, error: submitError, run, fail, reset } = useAction();
  const ids = useId();
  usePageTitle(isNew ? 'patients.registerTitle' : 'patients.editTitle');

  useEffect(() => {
    if (!id) return;
    const ctrl = new AbortController();
    getPatient(id, ctrl.signal).then(
      (p) => {
        setOriginal(p);
        setForm({
          mrn: p.mrn,
          familyNameZh: p.familyNameZh,
          givenNameZh: p.givenNameZh,
          namePinyin: p.namePinyin,
          sex: p.sex,
          birthDate: p.birthDate,
          phone: p.phone ?? '',
          nationalId: '',
        });
      },
      (err: unknown) => {
        if (!ctrl.signal.aborted) fail(err);
      },
    );
    return () => ctrl.abort();
  }, [id]);

  const set = (field: Field) => (e: { target: { value: string } }) =>
    setForm((f) => ({ ...f, [field]: e.target.value }));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found = check(form, isNew);
    setErrors(found);
    reset();
    if (Object.keys(found).length > 0) {
      document.getElementById(`${ids}-${Object.keys(found)[0]}`)?.focus();
      return;
    }
    return run(async () => {
      const body: PatientInput = {
        familyNameZh: form.familyNameZh.trim(),
        givenNameZh: form.givenNameZh.trim(),
        sex: form.sex as Sex,
        birthDate: form.birthDate,
        ...(form.namePinyin.trim() ? { namePinyin: form.namePinyin.trim().toLowerCase() } : {}),
        ...(form.phone.trim() ? { phone: form.phone.trim() } : {}),
        ...(form.nationalId.trim() ? { nationalId: form.nationalId.replace(/\s+/g, '').toUpperCase() } : {}),
      };
      const saved = isNew
        ? await createPatient({ ...body, mrn: form.mrn.trim() })
        : await updatePatient(id, {
            ...body,
            // Unchanged pinyin is not sent, so a changed Chinese name regenerates it.
            ...(original && form.namePinyin.trim() === original.namePinyin ? { namePinyin: undefined } : {}),
            version: original!.version,
          });
      void navigate(`/desk/patients/${saved.id}`, { replace: isNew });
    });
  };

  const field = (name: Field, label: string, input: React.ReactNode, hint?: string) => (
    <div className={`field${errors[name] ? ' invalid' : ''}`}>
      <label htmlFor={`${ids}-${name}`}>{label}</label>
      {input}
      {hint && (
        <p className="hint" id={`${ids}-${name}-hint`}>
          {hint}
        </p>
      )}
      {errors[name] && (
        <p className="field-error" id={`${ids}-${name}-err`}>
          {errors[name] === 'required' ? t('form.required') : t(`form.invalid.${name}`)}
        </p>
      )}
    </div>
  );
  const describedBy = (name: Field, hint = false) =>
    [hint ? `${ids}-${name}-hint` : '', errors[name] ? `${ids}-${name}-err` : ''].filter(Boolean).join(' ') ||
    undefined;
  const textInput = (
    name: Exclude<Field, 'sex'>,
    props: React.InputHTMLAttributes<HTMLInputElement> = {},
    hint = false,
  ) => (
    <input
      id={`${ids}-${name}`}
      name={name}
      value={form[name]}
      onChange={set(name)}
      aria-invalid={errors[name] ? true : undefined}
      aria-describedby={describedBy(name, hint)}
      {...props}
    />
  );

  const stale = submitError instanceof ApiError && submitError.code === 'STALE_STATE';
  return (
    <section className="page narrow">
      <h1>{isNew ? t('patients.registerTitle') : t('patients.editTitle')}</h1>
      <form onSubmit={(e) => void submit(e)} noValidate className="form-grid">
        {isNew
          ? field(
              'mrn',
              t('patients.mrn'),
              textInput('mrn', { required: true, autoComplete: 'off' }, true),
              t('patients.mrnHint'),
            )
          : field('mrn', t('patients.mrn'), textInput('mrn', { readOnly: true }))}
        <div className="row">
          {field(
            'familyNameZh',
            t('patients.familyName'),
            textInput('familyNameZh', { required: true, lang: 'zh-CN', autoComplete: 'off' }),
          )}
          {field(
            'givenNameZh',
            t('patients.givenName'),
            textInput('givenNameZh', { required: true, lang: 'zh-CN', autoComplete: 'off' }),
          )}
        </div>
        {field(
          'namePinyin',
          t('patients.pinyin'),
          textInput('namePinyin', { autoComplete: 'off' }, true),
          t('patients.pinyinHint'),
        )}
        <fieldset
          className={`field${errors.sex ? ' invalid' : ''}`}
          aria-describedby={errors.sex ? `${ids}-sex-err` : undefined}
        >
          <legend>{t('patients.sex')}</legend>
          <div className="choices">
            {SEXES.map((s) => (
              <label key={s} className="choice">
                <input
                  type="radio"
                  name="sex"
                  id={s === 'F' ? `${ids}-sex` : undefined}
                  value={s}
                  checked={form.sex === s}
                  onChange={set('sex')}
                />
                {t(`sex.${s}`)}
              </label>
            ))}
          </div>
          {errors.sex && (
            <p className="field-error" id={`${ids}-sex-err`}>
              {t('form.required')}
            </p>
          )}
        </fieldset>
        {field(
          'birthDate',
          t('patients.birthDate'),
          textInput('birthDate', { type: 'date', required: true, max: new Date().toISOString().slice(0, 10) }),
        )}
        {field(
          'phone',
          t('patients.phone'),
          textInput('phone', { type: 'tel', autoComplete: 'off', inputMode: 'tel' }),
        )}
        {field(
          'nationalId',
          t('patients.nationalId'),
          textInput('nationalId', { autoComplete: 'off', spellCheck: false }, true),
          original?.nationalIdMasked
            ? t('patients.nationalIdKeep', { masked: original.nationalIdMasked })
            : t('patients.nationalIdHint'),
        )}
        <ErrorMessage error={submitError} />
        {stale && (
          <button type="button" className="secondary" onClick={() => window.location.reload()}>
            {t('common.reload')}
          </button>
        )}
        <div className="actions">
          <button type="submit" disabled={busy}>
            {busy ? t('common.saving') : isNew ? t('patients.registerSubmit') : t('common.save')}
          </button>
          <Link className="button secondary" to={isNew ? '/desk/patients' : `/desk/patients/${id}`}>
            {t('common.cancel')}
          </Link>
        </div>
      </form>
    </section>
  );
}
