import type { ReferralSummaryView } from '@zhiyin/contracts';
import { PRIORITY_LABELS, SERVICE_LABELS, STATE_LABELS } from '@zhiyin/workflow';
import { useEffect, useMemo, useRef } from 'react';
import { Link } from 'react-router';
import { useAuth } from '../../lib/auth';
import { useI18n } from '../../i18n/i18n';
import { ErrorMessage } from '../../lib/errors';
import { useAsync, useNow, usePageTitle } from '../../lib/hooks';
import { useRealtime } from '../../lib/realtime';

import { facilities, worklist } from './api';
import { Countdown, useDuration } from './Countdown';
import { useShortcuts } from './hooks';
import { AlertControls } from './AlertControls';
import { OfferCenter } from './OfferCenter';
import { useNextCase } from './shared';
import { ShortcutHelp } from './ShortcutHelp';
import { ageOn, titleCase } from './time';
import './reading.css';
import { LiveIndicator } from '../../shared/LiveIndicator';

const MINE = new Set(['accepted', 'in_review', 'info_requested']);

export default function WorklistPage() {
  const { t, name, labelOf } = useI18n();
  const { session } = useAuth();
  const me = session?.user.id;
  usePageTitle('reading.title');
  const list = useAsync((signal) => worklist(signal), []);
  const centres = useAsync((signal) => facilities(signal), []);
  // The reading centre this specialist reads for heads the page; a rename shows at once.
  useRealtime(['reading_centre.changed'], () => centres.reload());
  const myCentre = centres.data?.readingCentres.find((c) => c.id === session?.user.readingCentreId);
  const now = useNow(1000);
  const duration = useDuration();
  const { next, busy, message } = useNextCase();

  // Any change to the pool re-reads the list (events carry ids only), a few at a time.
  const pending = useRef<ReturnType<typeof setTimeout>>(undefined);
  const reload = () => list.reload();
  useRealtime(['worklist.changed', 'referral.changed', 'offer.made', 'offer.withdrawn', 'turnaround.warning'], () => {
    clearTimeout(pending.current);
    pending.current = setTimeout(reload, 250);
  });
  useEffect(() => () => clearTimeout(pending.current), []);

  useShortcuts([
    { key: 'n', run: () => void next() },
    { key: 'r', run: reload },
  ]);

  const centreName = useMemo(() => {
    const map = new Map((centres.data?.facilities ?? []).map((f) => [f.id, f]));
    return (id: string) => {
      const f = map.get(id);
      return f ? name(f.nameZh, f.nameEn) : '';
    };
  }, [centres.data, name]);

  const items = list.data?.items ?? [];
  const mine = items.filter((r) => r.assigneeId === me && MINE.has(r.state));
  const today = new Date(now);

  const row = (r: ReferralSummaryView, own: boolean) => {
    const age = ageOn(r.patientBirthDate, today);
    const holder = r.holderNameZh || r.holderNameEn ? name(r.holderNameZh ?? '', r.holderNameEn ?? '') : '';
    return (
      <tr key={r.id} data-testid={own ? 'my-case' : 'worklist-row'} data-number={r.number} data-state={r.state}>
        <td>
          <span className={`reading-priority ${r.priority}`}>{labelOf(PRIORITY_LABELS[r.priority])}</span>
        </td>
        <td>
          <Link to={`/reading/${r.id}`} className="mono">
            {r.number}
          </Link>
        </td>
        <td>
          {name(r.patientName, titleCase(r.patientNamePinyin || r.patientName))}{' '}
          <span className="muted small">
            {t(`sex.${r.patientSex}`)}
            {age !== undefined ? ` · ${t('reading.age', { age })}` : ''}
          </span>
        </td>
        <td>{centreName(r.originFacilityId)}</td>
        <td>{r.modality ?? labelOf(SERVICE_LABELS[r.service])}</td>
        <td>{labelOf(STATE_LABELS[r.state])}</td>
        <td className="num" data-testid="waiting">
          {r.submittedAt ? duration(now - Date.parse(r.submittedAt)) : '—'}
        </td>
        <td className="num">
          <Countdown timers={r.timers} submittedAt={r.submittedAt} now={now} testId="time-left" />
        </td>
        {!own && <td>{r.assigneeId === me || r.offeredTo === me ? t('reading.you') : holder || '—'}</td>}
      </tr>
    );
  };

  const head = (own: boolean) => (
    <thead>
      <tr>
        <th scope="col">{t('reading.priority')}</th>
        <th scope="col">{t('reading.number')}</th>
        <th scope="col">{t('reading.patient')}</th>
        <th scope="col">{t('reading.centre')}</th>
        <th scope="col">{t('reading.modality')}</th>
        <th scope="col">{t('reading.state')}</th>
        <th scope="col">{t('reading.waiting')}</th>
        <th scope="col">{t('reading.timeLeft')}</th>
        {!own && <th scope="col">{t('reading.holder')}</th>}
      </tr>
    </thead>
  );

  return (
    <section className="page wide reading">
      <OfferCenter />
      <div className="page-head">
        <h1>
          {t('reading.title')}
          {myCentre && (
            <>
              {' · '}
              <span className="muted" data-testid="reading-centre-name">
                {name(myCentre.nameZh, myCentre.nameEn)}
              </span>
            </>
          )}
        </h1>
        <div className="actions">
          <LiveIndicator />
          <AlertControls />
          <ShortcutHelp
            items={[
              { keys: 'N', label: 'reading.key.next' },
              { keys: 'A', label: 'reading.key.accept' },
              { keys: 'D', label: 'reading.key.decline' },
              { keys: 'R', label: 'reading.key.reload' },
              { keys: '?', label: 'reading.key.help' },
            ]}
          />
          <button type="button" onClick={() => void next()} disabled={busy} data-testid="next-case">
            {t('reading.nextCase')} <kbd>N</kbd>
          </button>
        </div>
      </div>
      {message && (
        <p className="notice" role="status">
          {message}
        </p>
      )}
      <ErrorMessage error={list.error} />

      <section className="card" aria-labelledby="reading-mine">
        <h2 id="reading-mine">
          {t('reading.myCases')} <span className="muted small">({mine.length})</span>
        </h2>
        {mine.length === 0 ? (
          <p className="muted">{t('reading.noMyCases')}</p>
        ) : (
          <div className="table-wrap">
            <table className="list reading-table">
              {head(true)}
              <tbody>{mine.map((r) => row(r, true))}</tbody>
            </table>
          </div>
        )}
      </section>

      <section className="card" aria-labelledby="reading-pool">
        <h2 id="reading-pool">
          {t('reading.pool')} <span className="muted small">({items.length})</span>
        </h2>
        {list.loading && !list.data ? (
          <p className="loading" role="status">
            {t('common.loading')}
          </p>
        ) : items.length === 0 ? (
          <p className="muted">{t('reading.emptyPool')}</p>
        ) : (
          <div className="table-wrap">
            <table className="list reading-table" data-testid="worklist">
              {head(false)}
              <tbody>{items.map((r) => row(r, false))}</tbody>
            </table>
          </div>
        )}
      </section>
    </section>
  );
}
