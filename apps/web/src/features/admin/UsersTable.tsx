import type { FacilityView, UserView } from '@zhiyin/contracts';
import { SPECIALTY_LABELS } from '@zhiyin/workflow';
import { useI18n } from '../../i18n/i18n';

/** One page of staff accounts, each with its edit and password-reset buttons. */
export function UsersTable({
  users,
  facilities,
  onEdit,
  onResetPassword,
}: {
  users: readonly UserView[];
  facilities: readonly FacilityView[];
  onEdit: (user: UserView) => void;
  onResetPassword: (user: UserView) => void;
}) {
  const { t, name, labelOf } = useI18n();
  const byId = new Map(facilities.map((f) => [f.id, f]));
  const personName = (u: UserView) => name(u.displayNameZh, u.displayNameEn);
  return (
    <div className="table-wrap">
      <table className="list">
        <thead>
          <tr>
            <th scope="col">{t('admin.users.name')}</th>
            <th scope="col">{t('admin.users.username')}</th>
            <th scope="col">{t('admin.users.role')}</th>
            <th scope="col">{t('admin.users.facility')}</th>
            <th scope="col">{t('admin.status')}</th>
            <th scope="col">{t('admin.actions')}</th>
          </tr>
        </thead>
        <tbody>
          {users.map((u) => {
            const f = u.facilityId ? byId.get(u.facilityId) : undefined;
            return (
              <tr key={u.id} className={u.active ? undefined : 'admin-inactive'}>
                <th scope="row" className="admin-rowhead">
                  {personName(u)}
                </th>
                <td className="mono">{u.username}</td>
                <td>
                  {t(`role.${u.role}`)}
                  {u.specialty && <span className="admin-sub muted"> · {labelOf(SPECIALTY_LABELS[u.specialty])}</span>}
                </td>
                <td>{f ? name(f.nameZh, f.nameEn) : t('admin.users.network')}</td>
                <td>{u.active ? t('admin.active') : <strong>{t('admin.inactive')}</strong>}</td>
                <td>
                  <div className="admin-row-actions">
                    <button
                      type="button"
                      className="secondary"
                      aria-label={`${t('common.edit')} ${personName(u)}`}
                      onClick={() => onEdit(u)}
                    >
                      {t('common.edit')}
                    </button>
                    <button
                      type="button"
                      className="secondary"
                      aria-label={`${t('admin.users.resetPassword')} ${personName(u)}`}
                      onClick={() => onResetPassword(u)}
                    >
                      {t('admin.users.resetPassword')}
                    </button>
                  </div>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
