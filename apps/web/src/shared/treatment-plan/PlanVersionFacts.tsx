import type { PlanVersionView } from '@zhiyin/contracts';
import { DISPOSITION_LABELS } from '@zhiyin/workflow';
import { useI18n } from '../../i18n/i18n';

/** One version of the plan as written: diagnosis, disposition, appointment, advice, medicines and who wrote it. */
export function PlanVersionFacts({ version }: { version: PlanVersionView }) {
  const { t, name, dateTime, labelOf } = useI18n();
  const c = version.content;
  const text = (label: string, value: string | null | undefined) =>
    value ? (
      <div>
        <dt>{label}</dt>
        <dd className="ref-pre">{value}</dd>
      </div>
    ) : null;

  return (
    <>
      <dl className="ref-plan-facts">
        <div>
          <dt>{t('referrals.plan.diagnosis')}</dt>
          <dd data-testid="plan-diagnosis">{c.diagnosis}</dd>
        </div>
        <div>
          <dt>{t('referrals.plan.disposition')}</dt>
          <dd>{labelOf(DISPOSITION_LABELS[version.disposition])}</dd>
        </div>
        {version.hubAppointment && (
          <div>
            <dt>{t('referrals.plan.appointment')}</dt>
            <dd>
              {dateTime(version.hubAppointment.at)} {version.hubAppointment.department ?? ''} {c.appointmentPlace ?? ''}
            </dd>
          </div>
        )}
        {text(t('referrals.plan.whereTreated'), c.whereTreated)}
        {text(t('referrals.plan.followUp'), c.followUp)}
        {text(t('referrals.plan.tests'), c.tests)}
        {text(t('referrals.plan.instructions'), c.instructions)}
        {text(t('referrals.plan.warningSigns'), c.warningSigns)}
        {text(t('referrals.plan.bring'), c.bring)}
      </dl>
      {c.medications.length > 0 && (
        <div className="table-wrap">
          <table className="list">
            <caption className="ref-caption">{t('referrals.plan.medications')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('referrals.plan.med.name')}</th>
                <th scope="col">{t('referrals.plan.med.dose')}</th>
                <th scope="col">{t('referrals.plan.med.route')}</th>
                <th scope="col">{t('referrals.plan.med.frequency')}</th>
                <th scope="col">{t('referrals.plan.med.duration')}</th>
              </tr>
            </thead>
            <tbody>
              {c.medications.map((m, i) => (
                <tr key={i}>
                  <td>{m.name}</td>
                  <td>{m.dose}</td>
                  <td>{m.route}</td>
                  <td>{m.frequency}</td>
                  <td>{m.duration}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p className="muted small">
        {t('referrals.plan.changedBy', {
          who: name(version.changedBy.nameZh, version.changedBy.nameEn),
          when: dateTime(version.changedAt),
        })}
      </p>
    </>
  );
}
