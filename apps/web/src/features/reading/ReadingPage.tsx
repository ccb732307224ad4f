import type { ReferralEventRequest, SimpleReferralEvent } from '@zhiyin/contracts';
import { EVENT_LABELS, PRIORITY_LABELS, SERVICE_LABELS, STATE_LABELS } from '@zhiyin/workflow';
import { useEffect, useId, useRef, useState } from 'react';
import { Link, useParams } from 'react-router';
import { useAuth } from '../../lib/auth';
import { useI18n } from '../../i18n/i18n';
import { ErrorMessage, useErrorText } from '../../lib/errors';
import { useNow, usePageTitle } from '../../lib/hooks';
import { MessageThread } from '../../shared/message-thread/MessageThread';
import { ConsentSummary } from '../../shared/consent/ConsentSummary';
import { PlanPanel } from '../../shared/treatment-plan/PlanPanel';
import { fireEvent } from '../../shared/referrals/api';
import { useLiveReferral } from '../../shared/referrals/useLiveReferral';
import { signReport } from './api';
import { Countdown } from './Countdown';
import { READING_ERRORS } from './errors';
import { useShortcuts } from './hooks';
import { OfferCenter } from './OfferCenter';
import { ReportForm } from './ReportForm';
import { useNextCase } from './shared';
import { ShortcutHelp } from './ShortcutHelp';
import { StudyPane } from './StudyPane';
import { StudyProvenance } from './StudyProvenance';
import { RaiseCriticalPanel } from '../../shared/critical-results/RaiseCriticalPanel';
import { useKeyImages } from '../../shared/key-images/useKeyImages';
import { keyImagesClient } from './keyImages';
import { ageOn, titleCase } from './time';
import { useReportDraft } from './useReportDraft';
import { preloadImageViewer } from '../../shared/viewer/preload';
import { settleBootImage } from '../../shared/viewer/bootImage';
import './reading.css';
import { LiveIndicator } from '../../shared/LiveIndicator';
import { useAction } from '../../lib/useAction';

const READING = new Set(['accepted', 'in_review', 'info_requested']);
// Actions of the header; the report, the plan and the thread have their own controls.
const HEADER_EVENTS: SimpleReferralEvent[] = ['accept', 'decline', 'start_review', 'request_info'];

export default function ReadingPage() {
  const { id = '' } = useParams();
  // A new referral (next case) starts a fresh workspace: no state of the previous one carries over.
  return <Workspace key={id} id={id} />;
}

function Workspace({ id }: { id: string }) {
  const { t, name, dateTime, labelOf } = useI18n();
  const { session } = useAuth();
  const me = session?.user.id;
  const ids = useId();
  // A radiologist's case opens in the image viewer: its code loads while the case itself is fetched.
  const radiologist = session?.user.specialty === 'radiology';
  useEffect(() => {
    if (radiologist) preloadImageViewer();
  }, [radiologist]);
  // The one read of the referral for the workspace: the plan panel and the thread take it from here.
  const detail = useLiveReferral(id);
  const r = detail.data;
  // the page-wide first image of a cold opening (bootImage.ts) never outlives the workspace it stood in for
  useEffect(() => () => settleBootImage(), []);
  // a case that cannot be shown (refused, gone) hands the page over at once
  useEffect(() => {
    if (detail.error) settleBootImage();
  }, [detail.error]);
  usePageTitle('reading.workspace', r?.number);
  const now = useNow(1000);
  const errorText = useErrorText(READING_ERRORS);
  const { next, busy: nextBusy, message: nextMessage } = useNextCase();

  const mine = Boolean(r && r.assigneeId === me);
  const reading = Boolean(r && mine && READING.has(r.state));
  const report = useReportDraft(id, reading && !r?.report);
  const isEcg = r?.service === 'ECG';
  // Marked in the viewer, listed in the report form: one list for both.
  const keyImages = useKeyImages(id, keyImagesClient);

  const { busy, error: actionError, run } = useAction();
  const signAction = useAction();
  const [announce, setAnnounce] = useState('');
  const [asking, setAsking] = useState(false);
  const [question, setQuestion] = useState('');
  const [signRequest, setSignRequest] = useState(0);
  const findingsRef = useRef<HTMLTextAreaElement>(null);
  const nextRef = useRef<HTMLButtonElement>(null);
  const viewerRef = useRef<HTMLDivElement>(null);

  // A refused step has the referral read again (see step) and says why.
  const act = (type: SimpleReferralEvent, extra: Omit<ReferralEventRequest, 'type'> = {}) =>
    run(async () => {
      await detail.step(
        [type],
        () => fireEvent(id, { type, ...extra }),
        (next) => next,
      );
      setAnnounce(t('reading.done', { action: labelOf(EVENT_LABELS[type]) }));
      if (type === 'request_info') {
        setAsking(false);
        setQuestion('');
      }
    });

  const sign = async () => {
    if (!r) return;
    await signAction.run(async () => {
      if (!(await report.saveNow()))
        throw report.saveError instanceof Error ? report.saveError : new Error('save failed');
      // Signing is a reading step: a referral only accepted starts its review first.
      if (r.state === 'accepted' && r.availableEvents.includes('start_review'))
        await detail.step(
          ['start_review'],
          () => fireEvent(id, { type: 'start_review' }),
          (next) => next,
        );
      const v = await detail.step(['sign_report'], () => signReport(id));
      report.setView(v);
      setAnnounce(t('reading.signedAnnounce'));
      setTimeout(() => nextRef.current?.focus(), 50);
    });
  };

  const signed = Boolean(r?.report);
  const canSign = reading && !signed;
  useShortcuts([
    { key: 'n', run: () => void next() },
    { key: 's', mod: true, inFields: true, run: () => void report.saveNow() },
    { key: 'Enter', mod: true, inFields: true, run: () => canSign && setSignRequest((n) => n + 1) },
    { key: 'f', run: () => findingsRef.current?.focus() },
    {
      key: 'v',
      run: () => viewerRef.current?.querySelector<HTMLElement>('[data-testid=image-viewer], .ecg-paper-wrap')?.focus(),
    },
  ]);

  if (detail.error && !r)
    return (
      <section className="page">
        <ErrorMessage error={detail.error} />
        <Link to="/reading">{t('reading.backToWorklist')}</Link>
      </section>
    );
  if (!r)
    return (
      <p className="loading" role="status">
        {t('common.loading')}
      </p>
    );

  const age = ageOn(r.patientBirthDate, new Date(now));
  const patientName = name(r.patientName, titleCase(r.patientNamePinyin || r.patientName));
  const actions = HEADER_EVENTS.filter((e) => r.availableEvents.includes(e));
  const holder = r.holderNameZh || r.holderNameEn ? name(r.holderNameZh ?? '', r.holderNameEn ?? '') : '';

  return (
    <section className="page wide reading reading-workspace">
      <OfferCenter />
      <nav aria-label={t('common.breadcrumb')} className="crumbs">
        <Link to="/reading">{t('reading.title')}</Link> <span aria-hidden="true">›</span>
      </nav>
      <header className="card reading-header" data-testid="referral-header">
        <div className="reading-header-top">
          <h1>
            <span className="mono" data-testid="referral-number">
              {r.number}
            </span>{' '}
            <span data-testid="patient">{patientName}</span>{' '}
            <span className="muted small">
              {t(`sex.${r.patientSex}`)}
              {age !== undefined ? ` · ${t('reading.age', { age })}` : ''} · {r.patientMrn}
            </span>
          </h1>
          <div className="actions">
            <LiveIndicator />
            <ShortcutHelp
              items={[
                { keys: 'N', label: 'reading.key.next' },
                { keys: 'Ctrl S', label: 'reading.key.save' },
                { keys: 'Ctrl ↵', label: 'reading.key.sign' },
                { keys: 'F', label: 'reading.key.findings' },
                { keys: 'V', label: 'reading.key.viewer' },
                { keys: 'A', label: 'reading.key.accept' },
                { keys: 'D', label: 'reading.key.decline' },
                { keys: '?', label: 'reading.key.help' },
                // the viewer's own keys, when the image has the focus (V)
                { keys: '↑ ↓ PgUp PgDn', label: 'reading.key.viewer.slice' },
                { keys: 'W', label: 'reading.key.viewer.wl' },
                { keys: 'L', label: 'reading.key.viewer.length' },
                { keys: 'A', label: 'reading.key.viewer.angle' },
                { keys: 'E', label: 'reading.key.viewer.ellipse' },
                { keys: 'R', label: 'reading.key.viewer.rectangle' },
                { keys: 'P', label: 'reading.key.viewer.probe' },
                { keys: '1–5', label: 'reading.key.viewer.presets' },
                { keys: 'C', label: 'reading.key.viewer.cine' },
                { keys: 'M', label: 'reading.key.viewer.mpr' },
                { keys: 'K', label: 'reading.key.viewer.keyImage' },
                { keys: 'Esc', label: 'reading.key.viewer.escape' },
              ]}
            />
            <button
              ref={nextRef}
              type="button"
              className={signed ? undefined : 'secondary'}
              onClick={() => void next()}
              disabled={nextBusy}
              data-testid="next-case"
            >
              {t('reading.nextCase')} <kbd>N</kbd>
            </button>
          </div>
        </div>
        <dl className="reading-facts">
          <div>
            <dt>{t('reading.priority')}</dt>
            <dd>
              <span className={`reading-priority ${r.priority}`}>{labelOf(PRIORITY_LABELS[r.priority])}</span>
            </dd>
          </div>
          <div>
            <dt>{t('reading.timeLeft')}</dt>
            <dd>
              <Countdown timers={r.timers} submittedAt={r.submittedAt} now={now} testId="countdown" />
            </dd>
          </div>
          <div>
            <dt>{t('reading.state')}</dt>
            <dd data-testid="state" data-state={r.state}>
              {labelOf(STATE_LABELS[r.state])}
              {holder && !mine ? ` · ${holder}` : ''}
            </dd>
          </div>
          <div>
            <dt>{t('reading.centre')}</dt>
            <dd>{name(r.originNameZh, r.originNameEn)}</dd>
          </div>
          <div>
            <dt>{t('reading.service')}</dt>
            <dd>
              {labelOf(SERVICE_LABELS[r.service])}
              {r.modality ? ` · ${r.modality}` : ''}
            </dd>
          </div>
          {r.submittedAt && (
            <div>
              <dt>{t('reading.submittedAt')}</dt>
              <dd>{dateTime(r.submittedAt)}</dd>
            </div>
          )}
        </dl>
        <div className="reading-question">
          <h2 className="small-title">{t('reading.clinicalQuestion')}</h2>
          <p className="reading-pre" data-testid="clinical-question">
            {r.clinicalQuestion || '—'}
          </p>
          {r.clinicalHistory && (
            <>
              <h2 className="small-title">{t('reading.history')}</h2>
              <p className="reading-pre" data-testid="clinical-history">
                {r.clinicalHistory}
              </p>
            </>
          )}
          {/* The patient agreed to be diagnosed remotely: the reader can check it, and open the signed form. */}
          <h2 className="small-title">{t('referrals.consent.title')}</h2>
          <ConsentSummary referralId={r.id} consent={r.consent} />
        </div>
        {actions.length > 0 && (
          <div className="actions" role="group" aria-label={t('reading.actions')}>
            {actions.map((e) => (
              <button
                key={e}
                type="button"
                className={e === 'decline' || e === 'request_info' ? 'secondary' : undefined}
                disabled={busy}
                aria-expanded={e === 'request_info' ? asking : undefined}
                onClick={() => (e === 'request_info' ? setAsking((a) => !a) : void act(e))}
                data-testid={`action-${e}`}
              >
                {labelOf(EVENT_LABELS[e])}
              </button>
            ))}
          </div>
        )}
        {asking && (
          <form
            className="reading-ask"
            onSubmit={(e) => {
              e.preventDefault();
              if (question.trim()) void act('request_info', { message: question.trim() });
            }}
          >
            <label htmlFor={`${ids}-q`}>{t('reading.question')}</label>
            <textarea
              id={`${ids}-q`}
              rows={2}
              value={question}
              autoFocus
              onChange={(e) => setQuestion(e.target.value)}
            />
            <p className="hint">{t('reading.questionHint')}</p>
            <button type="submit" disabled={busy || !question.trim()}>
              {t('reading.sendQuestion')}
            </button>
          </form>
        )}
        {actionError !== undefined && (
          <p className="error" role="alert">
            {errorText(actionError)}
          </p>
        )}
        {nextMessage && (
          <p className="notice" role="status">
            {nextMessage}
          </p>
        )}
        <p className="reading-sr" role="status">
          {announce}
        </p>
      </header>

      <section className="card reading-viewer" aria-label={t('reading.study')} ref={viewerRef}>
        <StudyProvenance referral={r} />
        <StudyPane
          referralId={id}
          studies={r.studies}
          confirmedValues={report.draft.measurements}
          confirmedLoading={!report.loaded}
          signed={signed}
          keyImages={keyImages.refs}
          onMarkKeyImage={reading && !signed ? keyImages.mark : undefined}
          onConfirm={
            reading && !signed
              ? (m) => {
                  report.update({ measurements: { ...report.draft.measurements, ...m } });
                }
              : undefined
          }
        />
      </section>

      <div className="reading-columns">
        <div>
          <ReportForm
            referralId={id}
            report={report}
            editable={reading && !signed}
            canSign={canSign}
            canAddendum={mine && r.availableEvents.includes('add_addendum')}
            isEcg={isEcg}
            keyImages={isEcg ? undefined : keyImages}
            onSign={sign}
            signing={signAction.busy}
            signError={signAction.error === undefined ? undefined : errorText(signAction.error)}
            findingsRef={findingsRef}
            signRequest={signRequest}
          />
        </div>
        <div>
          {/* At once, while reading or after signing: only the referral's own reader raises one. */}
          <RaiseCriticalPanel
            referralId={id}
            service={r.service}
            canRaise={
              mine &&
              ['accepted', 'in_review', 'info_requested', 'reported', 'plan_agreed', 'acknowledged'].includes(r.state)
            }
          />
          {signed && <PlanPanel referral={detail} />}
          <MessageThread referral={detail} canPost={mine} />
        </div>
      </div>
    </section>
  );
}
