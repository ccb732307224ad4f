import { pinyin } from 'pinyin-pro';

/** "张伟" -> { full: "zhang wei", initials: "zw" }; surnames read with their surname pronunciation. */
export function toPinyin(family: string, given: string): { full: string; initials: string } {
  const syllables = [
    ...pinyin(family, { toneType: 'none', type: 'array', surname: 'all', v: true }),
    ...pinyin(given, { toneType: 'none', type: 'array', v: true }),
  ]
    .map((s) => s.toLowerCase().replace(/[^a-z]/g, ''))
    .filter(Boolean);
  return { full: syllables.join(' '), initials: syllables.map((s) => s[0]).join('') };
}

export const HAN = /\p{Script=Han}/u;
