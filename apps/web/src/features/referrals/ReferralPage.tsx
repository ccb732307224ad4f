import {
  CANCEL_REASON_LABELS,
  CANCEL_REASONS,
  deadlinesFor,
  DISPOSITION_LABELS,
  EVENT_LABELS,
  OUTCOME_LABELS,
  inStateGroup,
  OUTCOMES,
  PRIORITIES,
  PRIORITY_LABELS,
  refersUp,
  SERVICE_LABELS,
  STATE_LABELS,
  TIMER_LABELS,
  type ReferralEventType,
} from '@zhiyin/workflow';
import type { PatientMismatchDetails } from '@zhiyin/contracts';
import { useEffect, useId, useRef, useState } from 'react';
import { Link, useParams } from 'react-router';
import { useAuth } from '../../lib/auth';
import { NotFoundPage } from '../../shared/NotFoundPage';
import { useI18n } from '../../i18n/i18n';
import { ApiError } from '../../lib/api';
import { useConfirm } from '../../lib/confirm';
import { ErrorMessage } from '../../lib/errors';
import { returnFocusOnClose } from '../../lib/focus';
import { useAsync, useNow, usePageTitle } from '../../lib/hooks';
import { searchStudies } from '../../shared/dicomweb/qido';
import { HeldFile } from '../../shared/uploads/HeldFile';
import { UploadPanel } from '../../shared/uploads/UploadPanel';
import { useStoredUploads } from '../../shared/uploads/useStoredUploads';
import { MessageThread } from '../../shared/message-thread/MessageThread';
import { fireEvent, type EventInput, type ReferralDetail } from '../../shared/referrals/api';
import { PriorityBadge, StateBadge } from '../../shared/referrals/badges';
import { REFERRAL_REFUSALS } from '../../shared/referrals/refusal';
import { getReport } from '../../shared/referrals/report';
import { useLiveReferral, type LiveReferral } from '../../shared/referrals/useLiveReferral';
import { PlanPanel } from '../../shared/treatment-plan/PlanPanel';
import { attachStudy, openReferralForm, openReportPdf } from './api';
import { ConsentPanel } from './ConsentPanel';
import { RaiseCriticalPanel } from '../../shared/critical-results/RaiseCriticalPanel';
import { NeedBadge, needOf, useDuration } from './shared';
import '../../shared/referrals/referrals.css';
import { LiveIndicator } from '../../shared/LiveIndicator';
import { useAction } from '../../lib/useAction';

// The events this page offers as buttons. Questions and answers go through the message thread, plan
// signatures through the plan panel, reassigning through the coordinator board.
const PAGE_EVENTS: ReferralEventType[] = [
  'submit',
  'accept',
  'acknowledge',
  'close',
  'change_priority',
  'return_to_queue',
  'refer_back_down',
  'cancel',
];

type SimpleConfirm = 'submit' | 'accept' | 'acknowledge' | 'return_to_queue' | 'refer_back_down';

export default function ReferralPage() {
  const { id = '' } = useParams();
  const { t } = useI18n();
  // The one read of the referral for the whole page: the thread and the plan panel take it from here.
  const referral = useLiveReferral(id);
  const report = useAsync((signal) => getReport(id, signal), [id]);
  const r = referral.data;
  usePageTitle('referrals.pageTitle', r?.number);

  // The report is read again only when the referral says it differs from the one shown (signed since, or
  // an addendum added), at most once per version of the referral.
  const reportStale =
    r !== undefined &&
    report.data !== undefined &&
    !report.loading &&
    (Boolean(r.report) !== Boolean(report.data?.signedAt) ||
      (r.report?.addenda ?? 0) !== (report.data?.signedAt ? report.data.addenda.length : 0));
  const reportReadFor = useRef<number>(undefined);
  useEffect(() => {
    if (!reportStale || reportReadFor.current === r.row_version) return;
    reportReadFor.current = r.row_version;
    report.reload();
  }, [reportStale, r, report]);

  if (referral.error instanceof ApiError && referral.error.status === 404) return <NotFoundPage />;
  if (!r)
    return referral.error ? (
      <section className="page">
        <ErrorMessage error={referral.error} />
      </section>
    ) : (
      <p className="loading" role="status">
        {t('common.loading')}
      </p>
    );

  return (
    <section className="page wide ref-page" data-testid="referral-page" data-state={r.state}>
      <Header r={r} />
      <div className="ref-layout">
        <div className="ref-main">
          {/* The consent step comes before the submit button it unlocks. */}
          <ConsentPanel r={r} referral={referral} />
          <Actions r={r} referral={referral} />
          <Studies r={r} referral={referral} />
          <Report referralId={id} report={report.data} error={report.error} />
          {(r.report || r.plan) && <PlanPanel referral={referral} />}
        </div>
        <aside className="ref-side">
          <div id="thread">
            {r.direction === 'up' && <RaiseCriticalPanel referralId={r.id} service={r.service} canRaise={false} />}
            <MessageThread referral={referral} canPost={r.direction === 'up'} />
          </div>
          <Timeline r={r} />
        </aside>
      </div>
    </section>
  );
}

/** The two-way referral form, once the patient is sent up to the hub, and for every referral back down. */
function ReferralFormButton({ r }: { r: ReferralDetail }) {
  const { t } = useI18n();
  const { error, run } = useAction();
  const applies =
    r.direction === 'down' ||
    (r.plan !== null && refersUp(r.plan.disposition)) ||
    (r.report !== null && refersUp(r.report.disposition));
  if (!applies) return null;
  const open = () =>
    run(async () => {
      // Opened synchronously (run calls this at once) so the browser does not block it as a pop-up;
      // filled when the PDF arrives.
      const win = window.open('', '_blank');
      try {
        const url = await openReferralForm(r.id);
        if (win) win.location.href = url;
        else window.location.href = url;
      } catch (err) {
        win?.close();
        throw err;
      }
    });
  return (
    <>
      <button type="button" className="secondary" onClick={() => void open()} data-testid="referral-form">
        {t(r.direction === 'down' ? 'referrals.form.down' : 'referrals.form.up')}
      </button>
      <ErrorMessage error={error} />
    </>
  );
}

function Header({ r }: { r: ReferralDetail }) {
  const { t, name, dateTime, labelOf } = useI18n();
  const { session } = useAuth();
  const role = session?.user.role;
  const now = useNow(30_000);
  const duration = useDuration();
  const need = needOf(r, role);
  // Only the deadlines this person acts on, earliest first (the rule is the workflow's, not this page's).
  const deadlines = deadlinesFor(r.timers, role);
  const backTo = role === 'specialist' ? '/reading' : '/desk/referrals';
  return (
    <>
      <nav aria-label={t('common.breadcrumb')} className="crumbs">
        <Link to={backTo}>{role === 'specialist' ? t('nav.worklist') : t('referrals.title')}</Link>{' '}
        <span aria-hidden="true">›</span>
      </nav>
      <div className="page-head">
        <h1>
          <span className="mono" data-testid="referral-number">
            {r.number}
          </span>{' '}
          <span lang="zh-CN">{r.patient_name}</span> <StateBadge state={r.state} />
        </h1>
        <ReferralFormButton r={r} />
        <LiveIndicator />
      </div>
      {need && (
        <p className="ref-need-line">
          <NeedBadge need={need} /> {t(`referrals.needText.${need}`)}
        </p>
      )}
      <dl className="facts ref-facts" data-testid="referral-facts">
        <div>
          <dt>{t('referrals.accession')}</dt>
          <dd className="mono">{r.number}</dd>
        </div>
        <div>
          <dt>{t('referrals.patient')}</dt>
          <dd>
            {role === 'community_doctor' || role === 'coordinator' ? (
              <Link to={`/desk/patients/${r.patient_id}`} lang="zh-CN">
                {r.patient_name}
              </Link>
            ) : (
              <span lang="zh-CN">{r.patient_name}</span>
            )}{' '}
            <span className="muted small">
              {r.patient_name_pinyin} · <span className="mono">{r.patient_mrn}</span> · {t(`sex.${r.patient_sex}`)} ·{' '}
              {r.patient_birth_date}
            </span>
          </dd>
        </div>
        <div>
          <dt>{t('referrals.centre')}</dt>
          <dd>{name(r.origin_name_zh, r.origin_name_en)}</dd>
        </div>
        <div>
          <dt>{t('referrals.service')}</dt>
          <dd>
            {labelOf(SERVICE_LABELS[r.service])}
            {r.modality ? ` · ${r.modality}` : ''}
            {r.direction === 'down' && <span className="tag">{t('referrals.down')}</span>}
          </dd>
        </div>
        {r.reading_centre_name_zh && (
          <div>
            <dt>{t('referrals.readingCentre')}</dt>
            <dd data-testid="reading-centre">{name(r.reading_centre_name_zh, r.reading_centre_name_en ?? '')}</dd>
          </div>
        )}
        <div>
          <dt>{t('referrals.priority')}</dt>
          <dd>
            <PriorityBadge priority={r.priority} />
          </dd>
        </div>
        <div>
          <dt>{t('referrals.state')}</dt>
          <dd data-testid="referral-state">{labelOf(STATE_LABELS[r.state])}</dd>
        </div>
        <div>
          <dt>{t('referrals.created')}</dt>
          <dd>{dateTime(r.created_at)}</dd>
        </div>
        {r.submitted_at && (
          <div>
            <dt>{t('referrals.submitted')}</dt>
            <dd>
              {dateTime(r.submitted_at)}
              {/* The wait counts until the report is signed; then it says how long the report took. */}
              {r.report ? (
                <span className="muted small" data-testid="waited" data-stopped="true">
                  {' '}
                  ·{' '}
                  {t('referrals.reportTook', {
                    d: duration(Date.parse(r.report.signedAt) - Date.parse(r.submitted_at)),
                  })}
                </span>
              ) : (
                inStateGroup('awaitingReport', r.state) && (
                  <span className="muted small" data-testid="waited" data-stopped="false">
                    {' '}
                    · {t('referrals.waitingFor', { d: duration(now - Date.parse(r.submitted_at)) })}
                  </span>
                )
              )}
            </dd>
          </div>
        )}
        {deadlines.map(({ kind, dueAt: due }) => (
          <div key={kind} data-testid="deadline" data-kind={kind}>
            <dt>{labelOf(TIMER_LABELS[kind])}</dt>
            <dd className={Date.parse(due) < now ? 'ref-overdue' : undefined}>
              {dateTime(due)}{' '}
              <span className="small">
                (
                {Date.parse(due) >= now
                  ? t('referrals.left', { d: duration(Date.parse(due) - now) })
                  : t('referrals.overdue', { d: duration(Date.parse(due) - now) })}
                )
              </span>
            </dd>
          </div>
        ))}
        <div>
          <dt>{t('referrals.updated')}</dt>
          <dd>{dateTime(r.updated_at)}</dd>
        </div>
        {r.outcome && (
          <div>
            <dt>{t('referrals.outcome')}</dt>
            <dd data-testid="referral-outcome">{labelOf(OUTCOME_LABELS[r.outcome])}</dd>
          </div>
        )}
        {r.cancellation && (
          <div>
            <dt>{t('referrals.cancelReason')}</dt>
            <dd>{labelOf(CANCEL_REASON_LABELS[r.cancellation.reason])}</dd>
          </div>
        )}
      </dl>
      <div className="ref-texts">
        <div>
          <h2 className="small-title">{t('referrals.clinicalQuestion')}</h2>
          <p className="ref-pre">{r.clinical_question || '—'}</p>
        </div>
        {r.clinicalHistory && (
          <div>
            <h2 className="small-title">{t('referrals.history')}</h2>
            <p className="ref-pre">{r.clinicalHistory}</p>
          </div>
        )}
      </div>
    </>
  );
}

/** The actions the rules allow this person now, each confirmed, with the API's refusal shown. */
function Actions({ r, referral }: { r: ReferralDetail; referral: LiveReferral }) {
  const { t, labelOf } = useI18n();
  const ids = useId();
  const { busy, error, run, reset } = useAction();
  const [open, setOpen] = useState<'cancel' | 'close' | 'change_priority'>();
  const [choice, setChoice] = useState('');
  const [done, setDone] = useState<ReferralEventType>();
  const [confirm, confirmDialog] = useConfirm();
  const available = PAGE_EVENTS.filter((e) => r.availableEvents.includes(e));
  const answering = r.availableEvents.includes('answer_info');
  if (available.length === 0 && !answering && !error) return null;

  const label = (e: ReferralEventType) =>
    e === 'close' ? t('referrals.action.recordOutcome') : labelOf(EVENT_LABELS[e]);
  const fire = async (body: EventInput, confirmText: string) => {
    const cancelling = body.type === 'cancel';
    const confirmed = await confirm({
      title: t('referrals.confirm.title', { action: label(body.type), number: r.number }),
      text: confirmText,
      confirmLabel: label(body.type),
      // "取消" beside "取消转诊" would read as the action itself.
      cancelLabel: cancelling ? t('referrals.confirm.keep') : undefined,
      danger: cancelling,
    });
    if (!confirmed) return;
    setDone(undefined);
    await run(async () => {
      // A cancellation names the version seen: one decided on outdated information is refused.
      const sent = body.type === 'cancel' ? { ...body, expectedVersion: r.row_version } : body;
      await referral.step(
        [body.type],
        () => fireEvent(r.id, sent),
        (next) => next,
      );
      setDone(body.type);
      setOpen(undefined);
      setChoice('');
    });
  };

  const simple = (e: ReferralEventType) => () =>
    void fire({ type: e }, t(`referrals.confirm.${e as SimpleConfirm}`, { number: r.number }));

  return (
    <section className="card ref-actions" aria-labelledby={`${ids}-h`}>
      <h2 id={`${ids}-h`}>{t('referrals.actions')}</h2>
      {answering && (
        <p className="warning">
          {t('referrals.msg.waitingForYou')} <a href="#thread">{t('referrals.action.goAnswer')}</a>
        </p>
      )}
      <div className="actions">
        {available.map((e) =>
          e === 'cancel' || e === 'close' || e === 'change_priority' ? (
            <button
              key={e}
              type="button"
              className={e === 'cancel' ? 'secondary ref-danger' : e === 'close' ? '' : 'secondary'}
              aria-expanded={open === e}
              aria-controls={`${ids}-form`}
              onClick={() => {
                setOpen(open === e ? undefined : e);
                setChoice('');
                reset();
              }}
              data-testid={`action-${e}`}
            >
              {label(e)}
            </button>
          ) : (
            <button
              key={e}
              type="button"
              className={e === 'submit' || e === 'accept' ? '' : 'secondary'}
              disabled={busy}
              onClick={simple(e)}
              data-testid={`action-${e}`}
            >
              {label(e)}
            </button>
          ),
        )}
      </div>
      {open && (
        <form
          id={`${ids}-form`}
          ref={returnFocusOnClose}
          className="ref-action-form"
          onSubmit={(ev) => {
            ev.preventDefault();
            if (!choice) return;
            const text =
              open === 'cancel'
                ? t('referrals.confirm.cancel', {
                    number: r.number,
                    reason: labelOf(CANCEL_REASON_LABELS[choice as 'duplicate']),
                  })
                : open === 'close'
                  ? t('referrals.confirm.close', {
                      number: r.number,
                      outcome: labelOf(OUTCOME_LABELS[choice as 'died']),
                    })
                  : t('referrals.confirm.change_priority', {
                      number: r.number,
                      priority: labelOf(PRIORITY_LABELS[choice as 'STAT']),
                    });
            void fire(
              open === 'cancel'
                ? { type: 'cancel', reason: choice as 'duplicate' }
                : open === 'close'
                  ? { type: 'close', outcome: choice as 'died' }
                  : { type: 'change_priority', priority: choice as 'STAT' },
              text,
            );
          }}
        >
          <label htmlFor={`${ids}-choice`}>
            {open === 'cancel'
              ? t('referrals.cancelReason')
              : open === 'close'
                ? t('referrals.outcome')
                : t('referrals.priority')}
          </label>
          <select id={`${ids}-choice`} value={choice} onChange={(e) => setChoice(e.target.value)} required>
            <option value="">{t('referrals.choose')}</option>
            {open === 'cancel' &&
              CANCEL_REASONS.map((c) => (
                <option key={c} value={c}>
                  {labelOf(CANCEL_REASON_LABELS[c])}
                </option>
              ))}
            {open === 'close' &&
              OUTCOMES.map((o) => (
                <option key={o} value={o}>
                  {labelOf(OUTCOME_LABELS[o])}
                </option>
              ))}
            {open === 'change_priority' &&
              PRIORITIES.filter((p) => p !== r.priority).map((p) => (
                <option key={p} value={p}>
                  {labelOf(PRIORITY_LABELS[p])}
                </option>
              ))}
          </select>
          {open === 'close' && <p className="hint">{t('referrals.outcomeHint')}</p>}
          <div className="actions">
            <button type="submit" disabled={busy || !choice} data-testid="action-confirm">
              {open === 'cancel'
                ? labelOf(EVENT_LABELS.cancel)
                : open === 'close'
                  ? t('referrals.action.recordOutcome')
                  : t('common.save')}
            </button>
            <button type="button" className="secondary" onClick={() => setOpen(undefined)}>
              {t('common.cancel')}
            </button>
          </div>
        </form>
      )}
      {confirmDialog}
      <ErrorMessage error={error} wording={REFERRAL_REFUSALS} />
      {/* Said while the referral's latest step is still the one taken here. */}
      {done && r.history[r.history.length - 1]?.event === done && (
        <p className="ok" role="status">
          {t('referrals.action.done', { action: labelOf(EVENT_LABELS[done]) })}
        </p>
      )}
    </section>
  );
}

function Studies({ r, referral }: { r: ReferralDetail; referral: LiveReferral }) {
  const { t } = useI18n();
  const { session } = useAuth();
  const ids = useId();
  const canAttach = r.availableEvents.includes('attach_study') && session?.user.role === 'community_doctor';
  const [adding, setAdding] = useState(false);
  const { busy, error, run } = useAction();
  const existing = useAsync(
    (signal) =>
      canAttach && adding ? searchStudies({ PatientID: r.patient_mrn, limit: 50 }, signal) : Promise.resolve([]),
    [canAttach, adding, r.patient_mrn],
  );
  // Each stored file changes the study's counts (and may add a study): read the referral again as they
  // arrive, so "N files" follows the upload instead of staying at what the first file attached.
  useStoredUploads(r.id, () => referral.reload());
  const linked = new Set(r.studies.map((s) => s.studyInstanceUid));
  const candidates = (existing.data ?? []).filter((s) => !linked.has(s.studyUid));

  // A study whose file names another patient is held here with both identities, until confirmed with a reason.
  const [held, setHeld] = useState<{ uid: string; mismatch: PatientMismatchDetails }>();
  const attach = (uid: string, overrideReason?: string) =>
    run(async () => {
      try {
        await referral.step(
          ['attach_study'],
          () => attachStudy(r.id, uid, overrideReason),
          (next) => next,
        );
        setHeld(undefined);
      } catch (err) {
        if (err instanceof ApiError && err.code === 'PATIENT_MISMATCH' && err.details)
          setHeld({ uid, mismatch: err.details as unknown as PatientMismatchDetails });
        else throw err;
      }
    });

  return (
    <section className="card" aria-labelledby={`${ids}-h`} data-testid="referral-studies">
      <h2 id={`${ids}-h`}>
        {t('referrals.studies.title')} <span className="muted small">({r.studies.length})</span>
      </h2>
      {r.studies.length === 0 ? (
        <p className="muted">{t('referrals.studies.none')}</p>
      ) : (
        <div className="table-wrap">
          <table className="list">
            <thead>
              <tr>
                <th scope="col">{t('studies.date')}</th>
                <th scope="col">{t('studies.description')}</th>
                <th scope="col">{t('studies.modalities')}</th>
                <th scope="col">{t('studies.counts')}</th>
              </tr>
            </thead>
            <tbody>
              {r.studies.map((s) => (
                <tr key={s.studyInstanceUid} data-testid="referral-study">
                  <td>
                    <Link to={`/studies/${encodeURIComponent(s.studyInstanceUid)}`}>
                      {s.studyDate ?? t('referrals.studies.open')}
                    </Link>
                  </td>
                  <td>{s.studyDescription ?? '—'}</td>
                  <td>
                    {(s.modalities ?? []).map((m) => (
                      <span key={m} className="tag">
                        {m}
                      </span>
                    ))}
                  </td>
                  <td>{t('studies.countsValue', { series: s.seriesCount, instances: s.instanceCount })}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {canAttach && !adding && (
        <div className="actions">
          <button type="button" onClick={() => setAdding(true)} data-testid="add-studies">
            {t('referrals.studies.add')}
          </button>
        </div>
      )}
      {canAttach && adding && (
        <div className="ref-add-studies">
          <h3>{t('referrals.studies.uploadTitle')}</h3>
          <p className="hint">{t('referrals.studies.uploadHint', { number: r.number })}</p>
          <UploadPanel patientMrn={r.patient_mrn} referral={{ id: r.id }} />
          <h3>{t('referrals.studies.existingTitle')}</h3>
          <ErrorMessage error={existing.error} />
          {existing.loading && <p className="muted">{t('common.loading')}</p>}
          {!existing.loading && candidates.length === 0 && <p className="muted">{t('referrals.studies.noExisting')}</p>}
          {candidates.length > 0 && (
            <ul className="ref-existing">
              {candidates.map((s) => (
                <li key={s.studyUid}>
                  <span>
                    {s.studyDate} {s.description}{' '}
                    {s.modalities.map((m) => (
                      <span key={m} className="tag">
                        {m}
                      </span>
                    ))}
                    <span className="muted small">
                      {t('studies.countsValue', { series: s.seriesCount, instances: s.instanceCount })}
                    </span>
                  </span>
                  <button type="button" className="secondary" disabled={busy} onClick={() => void attach(s.studyUid)}>
                    {t('referrals.studies.attach')}
                  </button>
                </li>
              ))}
            </ul>
          )}
          {held && (
            <HeldFile
              id={0}
              path={held.uid}
              mismatch={held.mismatch}
              onConfirm={(reason) => void attach(held.uid, reason)}
              onRemove={() => setHeld(undefined)}
              removeLabel="upload.held.skip"
            />
          )}
          {error instanceof ApiError && error.code === 'CONFLICT' ? (
            <p className="error" role="alert">
              {t('referrals.studies.conflict')}
            </p>
          ) : (
            <ErrorMessage error={error} wording={REFERRAL_REFUSALS} />
          )}
          <div className="actions">
            <button type="button" className="secondary" onClick={() => setAdding(false)}>
              {t('referrals.studies.doneAdding')}
            </button>
          </div>
        </div>
      )}
      {r.availableEvents.includes('submit') && r.studies.length > 0 && (
        <p className="notice">{t('referrals.studies.readyToSubmit')}</p>
      )}
    </section>
  );
}

function Report({
  referralId,
  report,
  error,
}: {
  referralId: string;
  report: Awaited<ReturnType<typeof getReport>> | undefined;
  error: unknown;
}) {
  const { t, name, dateTime, labelOf } = useI18n();
  const ids = useId();
  const { error: pdfError, run } = useAction();
  const signed = report?.signedAt ? report : null;

  const pdf = () =>
    run(async () => {
      // Opened synchronously (run calls this at once) so the browser does not block it as a pop-up;
      // filled when the PDF arrives.
      const win = window.open('', '_blank');
      try {
        const url = await openReportPdf(referralId);
        if (win) win.location.href = url;
        else window.location.href = url;
      } catch (err) {
        win?.close();
        throw err;
      }
    });

  return (
    <section className="card ref-report" aria-labelledby={`${ids}-h`} data-testid="report">
      <div className="page-head">
        <h2 id={`${ids}-h`}>{t('referrals.report.title')}</h2>
        {signed && (
          <button type="button" className="secondary" onClick={() => void pdf()} data-testid="report-pdf">
            {t('referrals.report.pdf')}
          </button>
        )}
      </div>
      <ErrorMessage error={error ?? pdfError} />
      {!signed && <p className="muted">{report ? t('referrals.report.draft') : t('referrals.report.none')}</p>}
      {signed && (
        <>
          <p className="ok small" data-testid="report-signed">
            {t('referrals.report.signedBy', {
              who: name(signed.signerNameZh ?? '', signed.signerNameEn ?? ''),
              when: dateTime(signed.signedAt!),
            })}
          </p>
          <dl className="ref-plan-facts">
            <div>
              <dt>{t('referrals.report.findings')}</dt>
              <dd className="ref-pre" data-testid="report-findings">
                {signed.findings}
              </dd>
            </div>
            <div>
              <dt>{t('referrals.report.impression')}</dt>
              <dd className="ref-pre" data-testid="report-impression">
                {signed.impression}
              </dd>
            </div>
            {signed.diagnoses.length > 0 && (
              <div>
                <dt>{t('referrals.report.diagnoses')}</dt>
                <dd>
                  <ul className="ref-dx">
                    {signed.diagnoses.map((d) => (
                      <li key={d.code}>
                        <span className="mono">{d.code}</span> {d.label}
                      </li>
                    ))}
                  </ul>
                </dd>
              </div>
            )}
            {signed.disposition && (
              <div>
                <dt>{t('referrals.report.disposition')}</dt>
                <dd data-testid="report-disposition">{labelOf(DISPOSITION_LABELS[signed.disposition])}</dd>
              </div>
            )}
          </dl>
          {signed.addenda.length > 0 && (
            <>
              <h3>{t('referrals.report.addenda')}</h3>
              <ol className="ref-addenda">
                {signed.addenda.map((a) => (
                  <li key={a.id}>
                    <span className="muted small">{dateTime(a.createdAt)}</span>
                    <p className="ref-pre">{a.body}</p>
                  </li>
                ))}
              </ol>
            </>
          )}
        </>
      )}
    </section>
  );
}

function Timeline({ r }: { r: ReferralDetail }) {
  const { t, name, dateTime, labelOf } = useI18n();
  const ids = useId();
  return (
    <section className="card ref-timeline" aria-labelledby={`${ids}-h`} data-testid="timeline">
      <h2 id={`${ids}-h`}>{t('referrals.timeline')}</h2>
      <ol>
        {[...r.history].reverse().map((h) => (
          <li key={h.id} data-testid="timeline-entry" data-event={h.event}>
            <strong>
              {h.event === 'created'
                ? t('referrals.createdEvent')
                : // Recording consent is a change of the draft; the timeline names it for what it is.
                  h.event === 'update_draft' && h.details.consent
                  ? t('referrals.consent.recordedEvent')
                  : labelOf(EVENT_LABELS[h.event])}
            </strong>
            {h.from !== h.to && <span className="muted small"> → {labelOf(STATE_LABELS[h.to])}</span>}
            <br />
            <span className="muted small">
              <time dateTime={h.at}>{dateTime(h.at)}</time> ·{' '}
              {h.actorRole === 'system'
                ? t('referrals.system')
                : `${name(h.actorNameZh ?? '', h.actorNameEn ?? '')} (${t(`role.${h.actorRole}`)})`}
            </span>
          </li>
        ))}
      </ol>
    </section>
  );
}
