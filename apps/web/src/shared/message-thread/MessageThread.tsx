import type { ReferralMessageView } from '@zhiyin/contracts';
import { inStateGroup } from '@zhiyin/workflow';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useAuth } from '../../lib/auth';
import { useI18n } from '../../i18n/i18n';
import { ErrorMessage } from '../../lib/errors';
import { useAsync } from '../../lib/hooks';
import { useRealtime } from '../../lib/realtime';
import { fireEvent } from '../referrals/api';
import { getMessages, postMessage } from './api';
import { REFERRAL_REFUSALS } from '../referrals/refusal';
import type { LiveReferral } from '../referrals/useLiveReferral';
import '../referrals/referrals.css';
import { useAction } from '../../lib/useAction';

/**
 * The conversation between the community doctor and the specialist (and the coordinators) about one
 * referral, oldest first and newest at the bottom, live. A specialist's question puts the referral on
 * hold (request_info, the referral waits in "information requested"); the community doctor's answer
 * (answer_info) resumes the reading. Both go through POST /events so the state and the message change
 * in one transaction; an ordinary message is POST /messages.
 */
export function MessageThread({ referral, canPost = true }: { referral: LiveReferral; canPost?: boolean }) {
  const { t, name, dateTime } = useI18n();
  const { session } = useAuth();
  const ids = useId();
  // The referral itself (state, what this person may do) is the screen's: read once there, not here.
  const referralId = referral.data?.id ?? '';
  const messages = useAsync(
    (signal) => (referralId ? getMessages(referralId, signal) : Promise.resolve(undefined)),
    [referralId],
  );
  const [text, setText] = useState('');
  const [asQuestion, setAsQuestion] = useState(false);
  const { busy, error, run, fail } = useAction();
  const [sent, setSent] = useState('');
  const list = useRef<HTMLOListElement>(null);
  const input = useRef<HTMLTextAreaElement>(null);

  useRealtime(['message.posted'], (_event, payload) => {
    // A message already shown (the one just posted here, read back after posting) is not read again.
    if (payload.referralId === referralId && !messages.data?.some((m) => m.id === payload.messageId)) messages.reload();
  });

  const items = messages.data ?? [];
  // Keep the newest message in view as the thread grows.
  useEffect(() => {
    const el = list.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [items.length]);

  const available = referral.data?.availableEvents ?? [];
  const answering = available.includes('answer_info');
  const canAsk = available.includes('request_info');
  const open = referral.data ? inStateGroup('openForMessages', referral.data.state) : false;
  const openQuestion = answering ? [...items].reverse().find((m) => m.kind === 'question') : undefined;
  const mode: 'answer' | 'question' | 'message' = answering ? 'answer' : canAsk && asQuestion ? 'question' : 'message';

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body = text.trim();
    if (!body) {
      input.current?.focus();
      fail(new EmptyMessage());
      return;
    }
    // A refused question or answer has the referral read again (answered elsewhere, closed).
    return run(async () => {
      if (mode === 'message') {
        // A message alone does not change the referral.
        await postMessage(referralId, body).catch((err: unknown) => {
          // The referral may have moved on (closed meanwhile): show what it is now.
          referral.reload();
          throw err;
        });
      } else {
        const type = mode === 'answer' ? 'answer_info' : 'request_info';
        await referral.step(
          [type],
          () => fireEvent(referralId, { type, message: body }),
          (next) => next,
        );
      }
      setText('');
      setAsQuestion(false);
      setSent(t(mode === 'answer' ? 'referrals.msg.answered' : 'referrals.msg.sent'));
      messages.reload();
    });
  };

  const authorOf = (m: ReferralMessageView) =>
    m.authorId === session?.user.id
      ? t('referrals.msg.you')
      : name(m.authorNameZh ?? '', m.authorNameEn ?? '') || t(`role.${m.authorRole}`);

  return (
    <section className="card ref-thread" aria-labelledby={`${ids}-h`} data-testid="message-thread">
      <h2 id={`${ids}-h`}>{t('referrals.msg.title')}</h2>
      <ErrorMessage error={messages.error} />
      {messages.data && items.length === 0 && <p className="muted">{t('referrals.msg.none')}</p>}
      {items.length > 0 && (
        // The list keeps its list semantics inside the live log; it scrolls, so it takes focus for the keyboard.
        <div role="log" aria-live="polite" aria-labelledby={`${ids}-h`}>
          <ol className="ref-messages" ref={list} tabIndex={0} aria-labelledby={`${ids}-h`}>
            {items.map((m) => (
              <li
                key={m.id}
                className={`ref-message ${m.kind}${m.authorId === session?.user.id ? ' mine' : ''}`}
                data-testid="message"
                data-kind={m.kind}
              >
                <div className="ref-message-head">
                  <strong>{authorOf(m)}</strong>
                  <span className="muted small"> · {t(`role.${m.authorRole}`)}</span>
                  <span className="muted small">
                    {' '}
                    · <time dateTime={m.createdAt}>{dateTime(m.createdAt)}</time>
                  </span>
                  {m.kind !== 'message' && (
                    <span className={`tag ref-kind ${m.kind}`}>{t(`referrals.msg.kind.${m.kind}`)}</span>
                  )}
                </div>
                <p className="ref-message-body">{m.body}</p>
                {openQuestion?.id === m.id && canPost && (
                  <button type="button" className="secondary" onClick={() => input.current?.focus()}>
                    {t('referrals.msg.answerThis')}
                  </button>
                )}
              </li>
            ))}
          </ol>
        </div>
      )}
      {answering && (
        <p className="warning" role="status" data-testid="question-waiting">
          {t('referrals.msg.waitingForYou')}
        </p>
      )}
      {canPost && open && (
        <form onSubmit={(e) => void submit(e)} noValidate className="ref-compose">
          <label htmlFor={`${ids}-text`}>
            {mode === 'answer'
              ? t('referrals.msg.answerLabel')
              : mode === 'question'
                ? t('referrals.msg.questionLabel')
                : t('referrals.msg.messageLabel')}
          </label>
          <textarea
            id={`${ids}-text`}
            ref={input}
            rows={3}
            maxLength={4000}
            value={text}
            onChange={(e) => setText(e.target.value)}
          />
          {canAsk && (
            <label className="choice">
              <input type="checkbox" checked={asQuestion} onChange={(e) => setAsQuestion(e.target.checked)} />
              {t('referrals.msg.askAsQuestion')}
            </label>
          )}
          {error instanceof EmptyMessage ? (
            <p className="field-error" role="alert">
              {t('referrals.msg.empty')}
            </p>
          ) : (
            <ErrorMessage error={error} wording={REFERRAL_REFUSALS} />
          )}
          <div className="actions">
            <button type="submit" disabled={busy}>
              {mode === 'answer'
                ? t('referrals.msg.sendAnswer')
                : mode === 'question'
                  ? t('referrals.msg.sendQuestion')
                  : t('referrals.msg.send')}
            </button>
          </div>
          <p className="muted small" role="status">
            {sent}
          </p>
        </form>
      )}
      {referral.data && !open && <p className="muted small">{t('referrals.msg.closed')}</p>}
    </section>
  );
}

class EmptyMessage extends Error {}
