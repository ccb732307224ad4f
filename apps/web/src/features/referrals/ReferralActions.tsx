import {
  CANCEL_REASON_LABELS,
  CANCEL_REASONS,
  EVENT_LABELS,
  OUTCOME_LABELS,
  OUTCOMES,
  PRIORITIES,
  PRIORITY_LABELS,
  type ReferralEventType,
} from '@zhiyin/workflow';
import type { ReferralDetailView, ReferralEventRequest, SimpleReferralEvent } from '@zhiyin/contracts';
import { useId, useState } from 'react';
import { useI18n } from '../../i18n/i18n';
import { useConfirm } from '../../lib/confirm';
import { returnFocusOnClose } from '../../lib/focus';
import { fireEvent } from '../../shared/referrals/api';
import { ErrorMessage } from '../../lib/errors';
import { useAction } from '../../lib/useAction';
import { REFERRAL_REFUSALS } from '../../shared/referrals/refusal';
import { type LiveReferral } from '../../shared/referrals/useLiveReferral';

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

/** The actions the rules allow this person now, each confirmed, with the API's refusal shown. */
export function ReferralActions({ r, referral }: { r: ReferralDetailView; referral: LiveReferral }) {
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
  const fire = async (body: ReferralEventRequest, confirmText: string) => {
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
      const sent = body.type === 'cancel' ? { ...body, expectedVersion: r.rowVersion } : body;
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

  // The page's events are the API's simple steps (acknowledge is the patient's own, never available to staff).
  const simple = (e: ReferralEventType) => () =>
    void fire({ type: e as SimpleReferralEvent }, t(`referrals.confirm.${e as SimpleConfirm}`, { number: r.number }));

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
