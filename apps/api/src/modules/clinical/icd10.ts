import type { Icd10EntryView } from '@zhiyin/contracts';
import { pinyin } from 'pinyin-pro';
import { ICD10_ROWS } from './icd10-codes.js';

interface Indexed extends Icd10EntryView {
  /** Chinese name and synonyms, as typed. */
  words: string[];
  /** The same in pinyin without tones or spaces ("guanxinbing"), and their initials ("gxb"). */
  pinyin: string[];
  initials: string[];
  enLower: string;
}

const toPinyin = (s: string) => {
  const syllables = pinyin(s, { toneType: 'none', type: 'array', v: true, nonZh: 'removed' })
    .map((x) => x.toLowerCase().replace(/[^a-z]/g, ''))
    .filter(Boolean);
  return { full: syllables.join(''), initials: syllables.map((x) => x[0]).join('') };
};

/** The offered codes, in the order of the table (chapters kept together). */
export const ICD10: readonly Icd10EntryView[] = ICD10_ROWS.map(([code, zh, en]) => ({ code, zh, en }));

// Pinyin is computed once at start-up (a few hundred names), not per keystroke.
const INDEX: readonly Indexed[] = ICD10_ROWS.map(([code, zh, en, synonyms = []]) => {
  const words = [zh, ...synonyms];
  const py = words.filter((w) => /\p{Script=Han}/u.test(w)).map(toPinyin);
  return {
    code,
    zh,
    en,
    words: words.map((w) => w.toLowerCase()),
    pinyin: py.map((p) => p.full),
    initials: py.map((p) => p.initials),
    enLower: en.toLowerCase(),
  };
});

/**
 * Codes matching what a doctor types: a code prefix ("I21", "i21.0"), a Chinese name or a common synonym
 * (冠心病, 心梗, 肺癌), pinyin ("guanxinbing", "guan xin bing") or its initials ("gxb"), or English words.
 * Best first: code prefix, then a name or synonym equal to the query, then starting with it, then
 * containing it, then pinyin and English matches.
 */
export function searchIcd10(q: string, limit = 20): Icd10EntryView[] {
  const needle = q.trim().toLowerCase();
  if (!needle) return ICD10.slice(0, limit);
  const latin = needle.replace(/\s+/g, '');
  const isLatin = /^[a-z]+$/.test(latin);
  const score = (e: Indexed): number => {
    if (e.code.toLowerCase().startsWith(needle)) return 0;
    if (e.words.some((w) => w === needle)) return 1;
    if (e.words.some((w) => w.startsWith(needle))) return 2;
    if (e.words.some((w) => w.includes(needle))) return 3;
    if (isLatin && latin.length >= 2) {
      if (e.pinyin.some((p) => p === latin) || e.initials.some((i) => i === latin)) return 4;
      if (e.pinyin.some((p) => p.startsWith(latin))) return 5;
      if (e.initials.some((i) => i.startsWith(latin))) return 6;
    }
    if (e.enLower.includes(needle)) return 7;
    if (isLatin && latin.length >= 3 && e.pinyin.some((p) => p.includes(latin))) return 8;
    return -1;
  };
  return INDEX.map((e, i) => ({ e, s: score(e), i }))
    .filter((x) => x.s >= 0)
    .sort((a, b) => a.s - b.s || a.i - b.i)
    .slice(0, limit)
    .map(({ e }) => ({ code: e.code, zh: e.zh, en: e.en }));
}
