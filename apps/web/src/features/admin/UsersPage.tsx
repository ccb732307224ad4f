import type { UserView } from '@zhiyin/contracts';
import { STAFF_ROLES, type StaffRole } from '@zhiyin/workflow';
import { useId, useState } from 'react';
import { useI18n } from '../../i18n/i18n';
import { useAsync, usePageTitle } from '../../lib/hooks';
import { listFacilities, listUsers, type UserFilters } from './api';
import { ADMIN_ERRORS, StatusNote } from './shared';
import { UserEditor } from './UserEditor';
import { UserPasswordReset } from './UserPasswordReset';
import { UsersTable } from './UsersTable';
import './admin.css';
import { ErrorMessage } from '../../lib/errors';

const PAGE = 50;

type Panel = { kind: 'new' } | { kind: 'edit'; user: UserView } | { kind: 'password'; user: UserView } | null;

// The administrator's staff accounts: filters, one page of accounts, and the editor or password reset open above.

export default function UsersPage() {
  const { t, name } = useI18n();
  usePageTitle('nav.users');
  const ids = useId();
  const [draft, setDraft] = useState<UserFilters>({ q: '', role: '', facilityId: '', active: '' });
  const [filters, setFilters] = useState<UserFilters>(draft);
  const [offset, setOffset] = useState(0);
  const [panel, setPanel] = useState<Panel>(null);
  const [status, setStatus] = useState<string | null>(null);
  const facilities = useAsync((signal) => listFacilities(signal), []);
  const users = useAsync((signal) => listUsers({ ...filters, limit: PAGE, offset }, signal), [filters, offset]);

  const apply = (next: UserFilters) => {
    setFilters(next);
    setOffset(0);
  };
  const done = (text: string) => {
    setPanel(null);
    setStatus(text);
    users.reload();
  };
  const open = (p: Panel) => {
    setStatus(null);
    setPanel(p);
  };
  const total = users.data?.total ?? 0;

  return (
    <section className="page admin-page">
      <div className="page-head">
        <h1>{t('nav.users')}</h1>
        {panel === null && (
          <div className="actions">
            <button type="button" onClick={() => open({ kind: 'new' })}>
              {t('admin.users.new')}
            </button>
          </div>
        )}
      </div>
      <p className="muted">{t('admin.users.intro')}</p>
      <StatusNote text={status} />
      {panel?.kind === 'new' && (
        <UserEditor
          user={null}
          facilities={facilities.data?.facilities ?? []}
          onCancel={() => setPanel(null)}
          onDone={done}
        />
      )}
      {panel?.kind === 'edit' && (
        <UserEditor
          key={panel.user.id}
          user={panel.user}
          facilities={facilities.data?.facilities ?? []}
          onCancel={() => setPanel(null)}
          onDone={done}
        />
      )}
      {panel?.kind === 'password' && (
        <UserPasswordReset key={panel.user.id} user={panel.user} onCancel={() => setPanel(null)} onDone={done} />
      )}

      <form
        className="admin-filters"
        role="search"
        aria-label={t('common.search')}
        onSubmit={(e) => {
          e.preventDefault();
          apply(draft);
        }}
      >
        <div className="filters">
          <div className="field">
            <label htmlFor={`${ids}-q`}>{t('admin.users.search')}</label>
            <input
              id={`${ids}-q`}
              type="search"
              value={draft.q}
              onChange={(e) => setDraft((d) => ({ ...d, q: e.target.value }))}
            />
          </div>
          <div className="field">
            <label htmlFor={`${ids}-role`}>{t('admin.users.role')}</label>
            <select
              id={`${ids}-role`}
              value={draft.role}
              onChange={(e) => {
                const next = { ...draft, role: e.target.value as StaffRole | '' };
                setDraft(next);
                apply(next);
              }}
            >
              <option value="">{t('admin.all')}</option>
              {STAFF_ROLES.map((r) => (
                <option key={r} value={r}>
                  {t(`role.${r}`)}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${ids}-facility`}>{t('admin.users.facility')}</label>
            <select
              id={`${ids}-facility`}
              value={draft.facilityId}
              onChange={(e) => {
                const next = { ...draft, facilityId: e.target.value };
                setDraft(next);
                apply(next);
              }}
            >
              <option value="">{t('admin.all')}</option>
              {(facilities.data?.facilities ?? []).map((f) => (
                <option key={f.id} value={f.id}>
                  {f.code} · {name(f.nameZh, f.nameEn)}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${ids}-active`}>{t('admin.status')}</label>
            <select
              id={`${ids}-active`}
              value={draft.active}
              onChange={(e) => {
                const next = { ...draft, active: e.target.value as UserFilters['active'] };
                setDraft(next);
                apply(next);
              }}
            >
              <option value="">{t('admin.all')}</option>
              <option value="true">{t('admin.active')}</option>
              <option value="false">{t('admin.inactive')}</option>
            </select>
          </div>
        </div>
        <div className="actions">
          <button type="submit">{t('common.search')}</button>
        </div>
      </form>

      <ErrorMessage error={users.error ?? facilities.error} wording={ADMIN_ERRORS} />
      {users.data && (
        <>
          <p className="admin-count muted" role="status">
            {t('admin.users.count', { total })}
          </p>
          {users.data.items.length === 0 ? (
            <p>{t('admin.users.none')}</p>
          ) : (
            <UsersTable
              users={users.data.items}
              facilities={facilities.data?.facilities ?? []}
              onEdit={(user) => open({ kind: 'edit', user })}
              onResetPassword={(user) => open({ kind: 'password', user })}
            />
          )}
          {total > PAGE && (
            <nav className="pager" aria-label={t('common.pages')}>
              <button
                type="button"
                className="secondary"
                disabled={offset === 0}
                onClick={() => setOffset(Math.max(0, offset - PAGE))}
              >
                {t('common.previous')}
              </button>
              <span>{t('common.range', { from: offset + 1, to: Math.min(total, offset + PAGE), total })}</span>
              <button
                type="button"
                className="secondary"
                disabled={offset + PAGE >= total}
                onClick={() => setOffset(offset + PAGE)}
              >
                {t('common.next')}
              </button>
            </nav>
          )}
        </>
      )}
    </section>
  );
}
