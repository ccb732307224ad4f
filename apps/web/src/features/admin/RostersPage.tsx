import { SERVICE_LABELS } from '@zhiyin/workflow';
import { useId, useMemo, useState, type FormEvent } from 'react';
import { useI18n } from '../../i18n/i18n';
import { ApiError } from '../../lib/api';
import { useAsync, usePageTitle } from '../../lib/hooks';
import type { DutyShiftView, ReadingCentreView } from '@zhiyin/contracts';
import { addShift, listFacilities, listShifts, listUsers, removeShift } from './api';
import { ADMIN_ERRORS, Field, StatusNote } from './shared';
import './admin.css';
import { ErrorMessage, errorReason } from '../../lib/errors';
import { useAction } from '../../lib/useAction';

const DAY = 86_400_000;

/** Monday 00:00 (local time) of the week that contains `d`. */
function mondayOf(d: Date): Date {
  const m = new Date(d.getFullYear(), d.getMonth(), d.getDate());
  m.setDate(m.getDate() - ((m.getDay() + 6) % 7));
  return m;
}
const addDays = (d: Date, n: number) => new Date(d.getFullYear(), d.getMonth(), d.getDate() + n);
const isoDate = (d: Date) =>
  `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
const sameDay = (a: Date, b: Date) => isoDate(a) === isoDate(b);

export default function RostersPage() {
  const { t, name, lang, labelOf } = useI18n();
  usePageTitle('nav.rosters');
  const ids = useId();
  const [weekStart, setWeekStart] = useState(() => mondayOf(new Date()));
  const [centreId, setCentreId] = useState<string>('');
  const [status, setStatus] = useState<string | null>(null);
  const removal = useAction();
  const weekEnd = addDays(weekStart, 7);
  const days = Array.from({ length: 7 }, (_, i) => addDays(weekStart, i));

  const network = useAsync((signal) => listFacilities(signal), []);
  const specialists = useAsync((signal) => listUsers({ role: 'specialist', active: 'true', limit: 200 }, signal), []);
  const shifts = useAsync((signal) => listShifts(weekStart, weekEnd, signal), [weekStart.getTime()]);

  const centres = network.data?.readingCentres ?? [];
  const hubs = new Map((network.data?.facilities ?? []).map((f) => [f.id, f]));
  const centre = centres.find((c) => c.id === centreId) ?? centres[0];
  const multipleHubs = new Set(centres.map((c) => c.hubId)).size > 1;
  const centreName = (c: ReadingCentreView) => {
    const hub = hubs.get(c.hubId);
    const label = `${labelOf(SERVICE_LABELS[c.service])} · ${name(c.nameZh, c.nameEn)}`;
    return multipleHubs && hub ? `${name(hub.nameZh, hub.nameEn)} · ${label}` : label;
  };

  const time = useMemo(
    () => new Intl.DateTimeFormat(lang, { hour: '2-digit', minute: '2-digit', hour12: false }),
    [lang],
  );
  const dayFmt = useMemo(
    () => new Intl.DateTimeFormat(lang, { weekday: 'short', month: 'numeric', day: 'numeric' }),
    [lang],
  );
  const dateFmt = useMemo(
    () => new Intl.DateTimeFormat(lang, { year: 'numeric', month: 'long', day: 'numeric' }),
    [lang],
  );
  const span = (startsAt: string, endsAt: string) => {
    const s = new Date(startsAt);
    const e = new Date(endsAt);
    return sameDay(s, e)
      ? `${dayFmt.format(s)} ${time.format(s)}–${time.format(e)}`
      : `${dayFmt.format(s)} ${time.format(s)} – ${dayFmt.format(e)} ${time.format(e)}`;
  };

  const readers = (specialists.data?.items ?? []).filter((u) => centre && u.readingCentreId === centre.id);
  const alwaysOn = readers.filter((u) => u.onDuty);
  const centreShifts = (shifts.data ?? []).filter((s) => centre && s.readingCentreId === centre.id);
  const shiftName = (s: DutyShiftView) => name(s.nameZh, s.nameEn);

  const remove = (s: DutyShiftView) =>
    removal.run(async () => {
      await removeShift(s.id);
      setStatus(t('admin.rosters.removed', { name: shiftName(s), time: span(s.startsAt, s.endsAt) }));
      shifts.reload();
    });

  return (
    <section className="page wide admin-page">
      <h1>{t('nav.rosters')}</h1>
      <p className="muted">{t('admin.rosters.intro')}</p>
      <ErrorMessage error={network.error ?? specialists.error ?? shifts.error} wording={ADMIN_ERRORS} />
      {centres.length > 0 && centre && (
        <>
          <fieldset className="field">
            <legend>{t('admin.rosters.centre')}</legend>
            <div className="choices">
              {centres.map((c) => (
                <label key={c.id} className="choice">
                  <input
                    type="radio"
                    name="centre"
                    value={c.id}
                    checked={c.id === centre.id}
                    onChange={() => {
                      setCentreId(c.id);
                      setStatus(null);
                    }}
                  />
                  {centreName(c)}
                </label>
              ))}
            </div>
          </fieldset>
          <nav className="admin-week-nav" aria-label={t('nav.rosters')}>
            <button type="button" className="secondary" onClick={() => setWeekStart(addDays(weekStart, -7))}>
              {t('admin.rosters.prevWeek')}
            </button>
            <span className="admin-week-label" aria-live="polite">
              {t('admin.rosters.weekOf', {
                from: dateFmt.format(weekStart),
                to: dateFmt.format(addDays(weekStart, 6)),
              })}
            </span>
            <button type="button" className="secondary" onClick={() => setWeekStart(addDays(weekStart, 7))}>
              {t('admin.rosters.nextWeek')}
            </button>
            <button type="button" className="secondary" onClick={() => setWeekStart(mondayOf(new Date()))}>
              {t('admin.rosters.thisWeek')}
            </button>
          </nav>
          <StatusNote text={status} />
          <ErrorMessage error={removal.error} wording={ADMIN_ERRORS} />
          <div className="table-wrap">
            <table className="list admin-roster">
              <caption className="muted small">
                {t('admin.rosters.caption', {
                  centre: centreName(centre),
                  from: dateFmt.format(weekStart),
                  to: dateFmt.format(addDays(weekStart, 6)),
                })}
              </caption>
              <thead>
                <tr>
                  {days.map((d) => {
                    const today = sameDay(d, new Date());
                    return (
                      <th key={d.getTime()} scope="col" className={today ? 'admin-today' : undefined}>
                        {dayFmt.format(d)}
                        {today && <span className="admin-sub"> · {t('admin.rosters.today')}</span>}
                      </th>
                    );
                  })}
                </tr>
              </thead>
              <tbody>
                <tr>
                  {days.map((d) => {
                    const list = centreShifts
                      .filter((s) => sameDay(new Date(s.startsAt), d))
                      .sort((a, b) => a.startsAt.localeCompare(b.startsAt));
                    return (
                      <td key={d.getTime()}>
                        {list.length === 0 ? (
                          <span className="muted small">{t('admin.rosters.empty')}</span>
                        ) : (
                          <ul>
                            {list.map((s) => (
                              <li key={s.id}>
                                <strong>{shiftName(s)}</strong>
                                <span className="admin-shift-time">
                                  {time.format(new Date(s.startsAt))}–{time.format(new Date(s.endsAt))}
                                  {!sameDay(new Date(s.startsAt), new Date(s.endsAt)) && ' (+1)'}
                                </span>
                                <button
                                  type="button"
                                  className="secondary"
                                  aria-label={t('admin.rosters.removeLabel', {
                                    name: shiftName(s),
                                    time: span(s.startsAt, s.endsAt),
                                  })}
                                  onClick={() => void remove(s)}
                                >
                                  {t('admin.rosters.remove')}
                                </button>
                              </li>
                            ))}
                          </ul>
                        )}
                      </td>
                    );
                  })}
                </tr>
              </tbody>
            </table>
          </div>
          {alwaysOn.length > 0 && (
            <p className="hint">
              {t('admin.rosters.alwaysOn', {
                names: alwaysOn.map((u) => name(u.displayNameZh, u.displayNameEn)).join('、'),
              })}
            </p>
          )}
          <ShiftForm
            key={centre.id}
            idPrefix={ids}
            readers={readers}
            defaultDate={isoDate(sameDay(weekStart, mondayOf(new Date())) ? new Date() : weekStart)}
            span={span}
            onAdded={(text, startsAt) => {
              setStatus(text);
              removal.reset();
              const week = mondayOf(new Date(startsAt));
              if (week.getTime() !== weekStart.getTime()) setWeekStart(week);
              else shifts.reload();
            }}
          />
        </>
      )}
    </section>
  );
}

function ShiftForm({
  idPrefix,
  readers,
  defaultDate,
  span,
  onAdded,
}: {
  idPrefix: string;
  readers: { id: string; displayNameZh: string; displayNameEn: string }[];
  defaultDate: string;
  span: (startsAt: string, endsAt: string) => string;
  onAdded: (text: string, startsAt: string) => void;
}) {
  const { t, name } = useI18n();
  const ids = `${idPrefix}-shift`;
  const [userId, setUserId] = useState('');
  const [date, setDate] = useState(defaultDate);
  const [start, setStart] = useState('08:00');
  const [end, setEnd] = useState('16:00');
  const [errors, setErrors] = useState<{ userId?: string; date?: string; time?: string }>({});
  const [overlap, setOverlap] = useState<string>();
  const { busy, error, run, reset } = useAction();

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found: typeof errors = {};
    if (!userId) found.userId = t('admin.rosters.chooseSpecialist');
    if (!date) found.date = t('admin.rosters.invalid.date');
    if (!start || !end) found.time = t('admin.rosters.invalid.time');
    setErrors(found);
    reset();
    setOverlap(undefined);
    const first = Object.keys(found)[0];
    if (first) {
      document.getElementById(`${ids}-${first === 'time' ? 'start' : first}`)?.focus();
      return;
    }
    const startsAt = new Date(`${date}T${start}`);
    let endsAt = new Date(`${date}T${end}`);
    if (endsAt <= startsAt) endsAt = new Date(endsAt.getTime() + DAY);
    const reader = readers.find((r) => r.id === userId)!;
    const who = name(reader.displayNameZh, reader.displayNameEn);
    return run(async () => {
      try {
        await addShift({ userId, startsAt: startsAt.toISOString(), endsAt: endsAt.toISOString() });
        onAdded(
          t('admin.rosters.added', { name: who, time: span(startsAt.toISOString(), endsAt.toISOString()) }),
          startsAt.toISOString(),
        );
      } catch (err) {
        const shift =
          err instanceof ApiError
            ? (err.details?.shift as { startsAt: string; endsAt: string } | undefined)
            : undefined;
        if (errorReason(err) === 'overlapping_shift' && shift) {
          setOverlap(t('admin.rosters.overlap', { name: who, time: span(shift.startsAt, shift.endsAt) }));
        } else throw err;
      }
    });
  };

  if (readers.length === 0) return <p className="notice">{t('admin.rosters.noSpecialists')}</p>;
  return (
    <section className="card admin-shift-form" aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`}>{t('admin.rosters.add')}</h2>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <div className="row3">
          <Field id={`${ids}-userId`} label={t('admin.rosters.specialist')} error={errors.userId}>
            {(a11y) => (
              <select {...a11y} name="userId" value={userId} onChange={(e) => setUserId(e.target.value)}>
                <option value="">{t('admin.rosters.chooseSpecialist')}</option>
                {readers.map((r) => (
                  <option key={r.id} value={r.id}>
                    {name(r.displayNameZh, r.displayNameEn)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field id={`${ids}-date`} label={t('admin.rosters.date')} error={errors.date}>
            {(a11y) => (
              <input {...a11y} type="date" name="date" value={date} onChange={(e) => setDate(e.target.value)} />
            )}
          </Field>
          <Field id={`${ids}-start`} label={t('admin.rosters.start')} error={errors.time}>
            {(a11y) => (
              <input {...a11y} type="time" name="start" value={start} onChange={(e) => setStart(e.target.value)} />
            )}
          </Field>
          <Field id={`${ids}-end`} label={t('admin.rosters.end')}>
            {(a11y) => <input {...a11y} type="time" name="end" value={end} onChange={(e) => setEnd(e.target.value)} />}
          </Field>
        </div>
        <p className="hint">{t('admin.rosters.endHint')}</p>
        {overlap && (
          <p className="error" role="alert">
            {overlap}
          </p>
        )}
        <ErrorMessage error={error} wording={ADMIN_ERRORS} />
        <div className="actions">
          <button type="submit" disabled={busy}>
            {busy ? t('common.saving') : t('admin.rosters.add')}
          </button>
        </div>
      </form>
    </section>
  );
}
