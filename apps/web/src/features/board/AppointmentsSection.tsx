import { DISPOSITION_LABELS, SERVICE_LABELS, STATE_LABELS } from '@zhiyin/workflow';
import { Fragment, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { useI18n } from '../../i18n/i18n';
import { returnFocusOnClose } from '../../lib/focus';
import type { BoardAppointmentView } from '@zhiyin/contracts';
import { bookAppointment } from './api';
import { REFERRAL_REFUSALS } from '../../shared/referrals/refusal';
import { formatNetworkDateTime, isoToNetworkLocal, networkLocalToIso } from './time';
import { ErrorMessage } from '../../lib/errors';
import { useAction } from '../../lib/useAction';

interface Props {
  items: readonly BoardAppointmentView[];
  now: number;
  onChanged: () => void;
}

// Patients referred up to the hub (outpatient or inpatient) need a hub appointment before both doctors can sign
// the plan: the coordinator books it here, and sees the ones booked.
export function AppointmentsSection({ items, now, onChanged }: Props) {
  const { t, lang } = useI18n();
  const [open, setOpen] = useState<string | null>(null);
  const [done, setDone] = useState<{ number: string; at: string } | null>(null);
  const needed = items.filter((a) => !a.hubAppointment);
  const booked = items
    .filter((a) => a.hubAppointment)
    .sort((a, b) => Date.parse(a.hubAppointment!.at) - Date.parse(b.hubAppointment!.at));

  const rowProps = {
    openId: open,
    now,
    onToggle: (id: string) => {
      setDone(null);
      setOpen((cur) => (cur === id ? null : id));
    },
    onBooked: (booked: { number: string; at: string }) => {
      setOpen(null);
      setDone(booked);
      onChanged();
    },
  };

  return (
    <section className="card board-appointments" aria-labelledby="board-appointments-title">
      <h2 id="board-appointments-title">{t('board.appointmentsTitle')}</h2>
      <p className="hint">{t('board.appointmentsIntro')}</p>
      {done && (
        <p className="notice" role="status">
          {t('board.bookedDone', { number: done.number, time: formatNetworkDateTime(done.at, lang) })}
        </p>
      )}
      <h3 className="board-sub">{t('board.toBook', { n: needed.length })}</h3>
      {needed.length === 0 ? (
        <p className="muted">{t('board.noneToBook')}</p>
      ) : (
        <AppointmentTable items={needed} testId="appointments-needed" {...rowProps} />
      )}
      <h3 className="board-sub">{t('board.booked', { n: booked.length })}</h3>
      {booked.length === 0 ? (
        <p className="muted">{t('board.noneBooked')}</p>
      ) : (
        <AppointmentTable items={booked} testId="appointments-booked" {...rowProps} />
      )}
    </section>
  );
}

function AppointmentTable({
  items,
  testId,
  openId,
  now,
  onToggle,
  onBooked,
}: {
  items: readonly BoardAppointmentView[];
  testId: string;
  openId: string | null;
  now: number;
  onToggle: (id: string) => void;
  onBooked: (booked: { number: string; at: string }) => void;
}) {
  const { t, lang, name, labelOf } = useI18n();
  return (
    <div className="table-wrap">
      <table className="list board-appt-table" data-testid={testId}>
        <thead>
          <tr>
            <th scope="col">{t('board.col.number')}</th>
            <th scope="col">{t('board.col.patient')}</th>
            <th scope="col">{t('board.col.centre')}</th>
            <th scope="col">{t('board.col.disposition')}</th>
            <th scope="col">{t('board.col.plan')}</th>
            <th scope="col">{t('board.col.appointment')}</th>
            <th scope="col">
              <span className="board-sr">{t('board.col.actions')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((a) => {
            const canBook = a.availableEvents.includes('set_appointment');
            const appt = a.hubAppointment;
            return (
              <Fragment key={a.id}>
                <tr data-testid="appointment-row">
                  <th scope="row">
                    <Link to={`/referrals/${a.id}`} className="mono">
                      {a.number}
                    </Link>{' '}
                    <span className="tag">{labelOf(SERVICE_LABELS[a.service])}</span>
                  </th>
                  <td>
                    {a.patient.name}
                    {a.patient.namePinyin && <span className="hint"> {a.patient.namePinyin}</span>}
                  </td>
                  <td>{name(a.centre.nameZh, a.centre.nameEn)}</td>
                  <td>{labelOf(DISPOSITION_LABELS[a.disposition])}</td>
                  <td>
                    {labelOf(STATE_LABELS[a.state])}
                    <span className="hint board-block">
                      {t('board.planVersion', { v: a.planVersion })} ·{' '}
                      {t('board.signatures', {
                        n: Number(a.signatures.communityDoctor) + Number(a.signatures.specialist),
                      })}
                    </span>
                  </td>
                  <td>
                    {appt ? (
                      <>
                        <strong>{formatNetworkDateTime(appt.at, lang)}</strong>
                        <span className="board-block">{appt.department}</span>
                        {appt.place && <span className="board-block hint">{appt.place}</span>}
                        {Date.parse(appt.at) < now && <span className="board-flag warn">{t('board.apptPast')}</span>}
                      </>
                    ) : (
                      <span className="board-flag warn">{t('board.apptMissing')}</span>
                    )}
                  </td>
                  <td>
                    {canBook && (
                      <button
                        type="button"
                        className={appt ? 'secondary board-small' : 'board-small'}
                        aria-expanded={openId === a.id}
                        aria-label={t(appt ? 'board.rebookFor' : 'board.bookFor', { number: a.number })}
                        onClick={() => onToggle(a.id)}
                      >
                        {appt ? t('board.rebook') : t('board.book')}
                      </button>
                    )}
                  </td>
                </tr>
                {openId === a.id && (
                  <tr className="board-form-row">
                    <td colSpan={7}>
                      <BookForm item={a} now={now} onCancel={() => onToggle(a.id)} onBooked={onBooked} />
                    </td>
                  </tr>
                )}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function BookForm({
  item,
  now,
  onCancel,
  onBooked,
}: {
  item: BoardAppointmentView;
  now: number;
  onCancel: () => void;
  onBooked: (booked: { number: string; at: string }) => void;
}) {
  const { t } = useI18n();
  const appt = item.hubAppointment;
  const [at, setAt] = useState(appt ? isoToNetworkLocal(appt.at) : '');
  const [department, setDepartment] = useState(appt?.department ?? '');
  const [place, setPlace] = useState(appt?.place ?? '');
  const { busy, error, run } = useAction();
  const [invalid, setInvalid] = useState<{ at?: boolean; department?: boolean }>({});
  const id = `board-book-${item.id}`;
  const agreed = item.state === 'plan_agreed' || item.state === 'acknowledged';

  function submit(e: FormEvent) {
    e.preventDefault();
    const bad = {
      at: !at || Number.isNaN(Date.parse(networkLocalToIso(at))) || Date.parse(networkLocalToIso(at)) <= now,
      department: !department.trim(),
    };
    setInvalid(bad);
    if (bad.at || bad.department) return;
    return run(async () => {
      const iso = networkLocalToIso(at);
      await bookAppointment(item.id, {
        at: iso,
        department: department.trim(),
        ...(place.trim() ? { place: place.trim() } : {}),
      });
      onBooked({ number: item.number, at: iso });
    });
  }

  return (
    <form
      ref={returnFocusOnClose}
      className="board-form"
      onSubmit={(e) => void submit(e)}
      aria-labelledby={`${id}-title`}
      noValidate
    >
      <h4 id={`${id}-title`}>{t(appt ? 'board.rebookTitle' : 'board.bookTitle', { number: item.number })}</h4>
      {agreed && <p className="warning">{t('board.rebookResign')}</p>}
      <div className="board-form-grid">
        <div>
          <label htmlFor={`${id}-at`}>{t('board.apptAt')}</label>
          <input
            id={`${id}-at`}
            type="datetime-local"
            value={at}
            min={isoToNetworkLocal(new Date(now).toISOString())}
            onChange={(e) => setAt(e.target.value)}
            aria-invalid={invalid.at || undefined}
            aria-describedby={`${id}-at-hint${invalid.at ? ` ${id}-at-error` : ''}`}
            required
          />
          <p className="hint" id={`${id}-at-hint`}>
            {t('board.apptAtHint')}
          </p>
          {invalid.at && (
            <p className="field-error" id={`${id}-at-error`}>
              {t('board.apptAtInvalid')}
            </p>
          )}
        </div>
        <div>
          <label htmlFor={`${id}-dept`}>{t('board.apptDepartment')}</label>
          <input
            id={`${id}-dept`}
            value={department}
            maxLength={100}
            placeholder={t('board.apptDepartmentExample')}
            onChange={(e) => setDepartment(e.target.value)}
            aria-invalid={invalid.department || undefined}
            aria-describedby={invalid.department ? `${id}-dept-error` : undefined}
            required
          />
          {invalid.department && (
            <p className="field-error" id={`${id}-dept-error`}>
              {t('board.apptDepartmentMissing')}
            </p>
          )}
        </div>
        <div>
          <label htmlFor={`${id}-place`}>{t('board.apptPlace')}</label>
          <input
            id={`${id}-place`}
            value={place}
            maxLength={200}
            placeholder={t('board.apptPlaceExample')}
            onChange={(e) => setPlace(e.target.value)}
          />
        </div>
      </div>
      <ErrorMessage error={error} wording={REFERRAL_REFUSALS} />
      <div className="actions">
        <button type="submit" disabled={busy}>
          {busy ? t('common.saving') : t('board.bookConfirm')}
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
