// A form's unsent text kept in this tab's sessionStorage, so a refresh does not lose it. Only what the
// user typed or chose in the form is kept (no name or record fetched from the API), under the user's id,
// so one person never sees another's draft on a shared PC; it goes on sending or cancelling the form and
// when the user signs out (sessionStorage itself ends with the tab).

const PREFIX = 'zhiyin.draft.';

function storage(): Storage | null {
  try {
    return typeof sessionStorage === 'undefined' ? null : sessionStorage;
  } catch {
    return null; // storage disabled: the form works, without a draft
  }
}

const keyOf = (form: string, userId: string) => `${PREFIX}${form}.${userId}`;

/** The saved draft of `form` for this user, if any (anything unreadable counts as none). */
export function loadFormDraft(form: string, userId: string): Record<string, unknown> | null {
  const raw = storage()?.getItem(keyOf(form, userId));
  if (!raw) return null;
  try {
    const value: unknown = JSON.parse(raw);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** Keeps the draft of `form` for this user; an empty draft (nothing typed) is removed instead. */
export function saveFormDraft(form: string, userId: string, draft: Record<string, unknown> | null): void {
  const s = storage();
  if (!s) return;
  try {
    if (draft === null) s.removeItem(keyOf(form, userId));
    else s.setItem(keyOf(form, userId), JSON.stringify(draft));
  } catch {
    /* storage full or disabled: the form goes on without a draft */
  }
}

export function clearFormDraft(form: string, userId: string): void {
  saveFormDraft(form, userId, null);
}

/** Every form draft of this tab, whoever's (signing out). */
export function clearAllFormDrafts(): void {
  const s = storage();
  if (!s) return;
  for (let i = s.length - 1; i >= 0; i--) {
    const k = s.key(i);
    if (k?.startsWith(PREFIX)) s.removeItem(k);
  }
}
