import { SERVICE_LABELS } from '@zhiyin/workflow';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useI18n } from '../../i18n/i18n';
import { READING_CENTRE_NAME_MAX, type FacilityView, type ReadingCentreView } from '@zhiyin/contracts';
import { renameReadingCentre } from './api';
import { ADMIN_ERRORS, EditorActions, Field, useFieldErrors } from './shared';
import { ErrorMessage } from '../../lib/errors';

type NameKey = 'nameZh' | 'nameEn';

/** The hubs' reading centres, each renamed in place by the administrator. */
export function ReadingCentresSection({
  centres,
  facilities,
  canEdit,
  onRenamed,
}: {
  centres: readonly ReadingCentreView[];
  facilities: readonly FacilityView[];
  canEdit: boolean;
  onRenamed: (text: string) => void;
}) {
  const { t, name, labelOf } = useI18n();
  const [editing, setEditing] = useState<ReadingCentreView | null>(null);
  const hubName = (id: string) => {
    const hub = facilities.find((f) => f.id === id);
    return hub ? name(hub.nameZh, hub.nameEn) : '—';
  };
  if (centres.length === 0) return null;

  return (
    <section className="card" aria-labelledby="admin-centres-title" data-testid="reading-centres">
      <h2 id="admin-centres-title">{t('admin.centres.title')}</h2>
      <p className="muted">{t('admin.centres.intro')}</p>
      {editing && (
        <RenameEditor
          key={editing.id}
          centre={editing}
          onCancel={() => setEditing(null)}
          onDone={(text) => {
            setEditing(null);
            onRenamed(text);
          }}
        />
      )}
      <div className="table-wrap">
        <table className="list">
          <thead>
            <tr>
              <th scope="col">{t('admin.facilities.nameZh')}</th>
              <th scope="col">{t('admin.facilities.nameEn')}</th>
              <th scope="col">{t('admin.centres.service')}</th>
              <th scope="col">{t('admin.centres.hub')}</th>
              {canEdit && <th scope="col">{t('admin.actions')}</th>}
            </tr>
          </thead>
          <tbody>
            {centres.map((c) => (
              <tr key={c.id} data-testid="reading-centre-row">
                <th scope="row" className="admin-rowhead" lang="zh-CN">
                  {c.nameZh}
                </th>
                <td lang="en">{c.nameEn}</td>
                <td>{labelOf(SERVICE_LABELS[c.service])}</td>
                <td>{hubName(c.hubId)}</td>
                {canEdit && (
                  <td>
                    <button
                      type="button"
                      className="secondary"
                      aria-label={`${t('admin.centres.rename')} ${name(c.nameZh, c.nameEn)}`}
                      onClick={() => setEditing(c)}
                    >
                      {t('admin.centres.rename')}
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function RenameEditor({
  centre,
  onCancel,
  onDone,
}: {
  centre: ReadingCentreView;
  onCancel: () => void;
  onDone: (text: string) => void;
}) {
  const { t, name } = useI18n();
  const ids = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  const [form, setForm] = useState({ nameZh: centre.nameZh, nameEn: centre.nameEn });
  const { busy, errors, submitError, refuse, send } = useFieldErrors<NameKey>(ids, ['nameZh', 'nameEn']);

  useEffect(() => heading.current?.focus(), []);

  const check = () => {
    const found: Partial<Record<NameKey, string>> = {};
    for (const k of ['nameZh', 'nameEn'] as const) {
      const v = form[k].trim();
      if (!v) found[k] = t('admin.required');
      else if (v.length > READING_CENTRE_NAME_MAX)
        found[k] = t('admin.centres.tooLong', { max: READING_CENTRE_NAME_MAX });
    }
    return found;
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (refuse(check())) return;
    return send(async () => {
      const saved = await renameReadingCentre(centre.id, { nameZh: form.nameZh.trim(), nameEn: form.nameEn.trim() });
      onDone(t('admin.centres.renamed', { name: name(saved.nameZh, saved.nameEn) }));
    });
  };

  const input = (k: NameKey, label: string, lang: string) => (
    <Field id={`${ids}-${k}`} label={label} error={errors[k]}>
      {(a11y) => (
        <input
          {...a11y}
          name={k}
          value={form[k]}
          onChange={(e) => setForm((f) => ({ ...f, [k]: e.target.value }))}
          autoComplete="off"
          lang={lang}
        />
      )}
    </Field>
  );

  return (
    <section className="card admin-editor" aria-labelledby={`${ids}-title`}>
      <h3 id={`${ids}-title`} ref={heading} tabIndex={-1}>
        {t('admin.centres.renameTitle', { name: name(centre.nameZh, centre.nameEn) })}
      </h3>
      <form onSubmit={(e) => void submit(e)} noValidate className="form-grid">
        <div className="row">
          {input('nameZh', t('admin.facilities.nameZh'), 'zh-CN')}
          {input('nameEn', t('admin.facilities.nameEn'), 'en')}
        </div>
        <ErrorMessage error={submitError} wording={ADMIN_ERRORS} />
        <EditorActions busy={busy} onCancel={onCancel} />
      </form>
    </section>
  );
}
