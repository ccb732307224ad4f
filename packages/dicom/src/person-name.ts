/**
 * Person Name (PN) values: up to three component groups, `Alphabetic=Ideographic=Phonetic` (PS3.5 6.2.1), each
 * with up to five `^`-separated components.
 */

/** A person name as in the DICOM JSON model (PS3.18 F.2.2): only the groups present. */
export interface PersonName {
  /** Alphabetic (single-byte) representation, e.g. `Sima^Yan`. */
  Alphabetic?: string;
  /** Ideographic representation, e.g. `司马^䶮`. */
  Ideographic?: string;
  /** Phonetic representation, e.g. `やまだ^たろう`. */
  Phonetic?: string;
}

const GROUPS = ['Alphabetic', 'Ideographic', 'Phonetic'] as const;

/**
 * Splits one decoded PN value into its component groups. Empty groups are left out; trailing spaces of each group
 * are removed. Characters outside the BMP (CJK Extension B, e.g. 𠮷) stay intact (surrogate pairs).
 *
 * @param value - one PN value, already decoded with the data set's character set (no backslash)
 * @returns the groups present (an empty object for an empty name)
 */
export function parsePersonName(value: string): PersonName {
  const out: PersonName = {};
  const parts = value.split('=');
  GROUPS.forEach((group, i) => {
    const text = (parts[i] ?? '').replace(/[\0 ]+$/, '');
    if (text !== '') out[group] = text;
  });
  return out;
}

/**
 * Joins the groups back into the stored form, dropping trailing empty groups (`Wang^XiaoDong=王^小东`).
 *
 * @param name - the groups
 * @returns the DICOM string form
 */
export function formatPersonName(name: PersonName): string {
  const parts = [name.Alphabetic ?? '', name.Ideographic ?? '', name.Phonetic ?? ''];
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts.join('=');
}
