import {
  CANCEL_REASON_LABELS,
  deadlinesFor,
  OUTCOME_LABELS,
  inStateGroup,
  SERVICE_LABELS,
  STATE_LABELS,
  TIMER_LABELS,
} from '@zhiyin/workflow';
import type { ReferralDetailView } from '@zhiyin/contracts';
import { Link } from 'react-router';
import { useAuth } from '../../lib/auth';
import { useI18n } from '../../i18n/i18n';
import { useNow } from '../../lib/hooks';
import { PriorityBadge, StateBadge } from '../../shared/referrals/badges';
import { NeedBadge, needOf, useDuration } from './shared';
import { LiveIndicator } from '../../shared/LiveIndicator';
import { ReferralFormButton } from './ReferralFormButton';

export function ReferralHeader({ r }: { r: ReferralDetailView }) {
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
          <span lang="zh-CN">{r.patientName}</span> <StateBadge state={r.state} />
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
              <Link to={`/desk/patients/${r.patientId}`} lang="zh-CN">
                {r.patientName}
              </Link>
            ) : (
              <span lang="zh-CN">{r.patientName}</span>
            )}{' '}
            <span className="muted small">
              {r.patientNamePinyin} · <span className="mono">{r.patientMrn}</span> · {t(`sex.${r.patientSex}`)} ·{' '}
              {r.patientBirthDate}
            </span>
          </dd>
        </div>
        <div>
          <dt>{t('referrals.centre')}</dt>
          <dd>{name(r.originNameZh, r.originNameEn)}</dd>
        </div>
        <div>
          <dt>{t('referrals.service')}</dt>
          <dd>
            {labelOf(SERVICE_LABELS[r.service])}
            {r.modality ? ` · ${r.modality}` : ''}
            {r.direction === 'down' && <span className="tag">{t('referrals.down')}</span>}
          </dd>
        </div>
        {r.readingCentreNameZh && (
          <div>
            <dt>{t('referrals.readingCentre')}</dt>
            <dd data-testid="reading-centre">{name(r.readingCentreNameZh, r.readingCentreNameEn ?? '')}</dd>
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
          <dd>{dateTime(r.createdAt)}</dd>
        </div>
        {r.submittedAt && (
          <div>
            <dt>{t('referrals.submitted')}</dt>
            <dd>
              {dateTime(r.submittedAt)}
              {/* The wait counts until the report is signed; then it says how long the report took. */}
              {r.report ? (
                <span className="muted small" data-testid="waited" data-stopped="true">
                  {' '}
                  ·{' '}
                  {t('referrals.reportTook', {
                    d: duration(Date.parse(r.report.signedAt) - Date.parse(r.submittedAt)),
                  })}
                </span>
              ) : (
                inStateGroup('awaitingReport', r.state) && (
                  <span className="muted small" data-testid="waited" data-stopped="false">
                    {' '}
                    · {t('referrals.waitingFor', { d: duration(now - Date.parse(r.submittedAt)) })}
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
          <dd>{dateTime(r.updatedAt)}</dd>
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
          <p className="ref-pre">{r.clinicalQuestion || '—'}</p>
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
