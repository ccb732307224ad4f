import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { en } from './en';
import { zhCN } from './zh-CN';

// A small typed dictionary instead of an i18n framework: the Chinese messages define the keys and
// the English ones must have exactly the same keys (the compiler refuses a missing one), `{name}`
// placeholders are filled in, and nothing else is needed for two languages.
export const LANGUAGES = ['zh-CN', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

/**
 * The screen areas' messages by area: each area's messages.ts adds its own here by declaration merging, so that
 * `t()` refuses an unknown key while i18n imports nothing from the features (the app shell passes their messages
 * to I18nProvider).
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface FeatureMessages {}

type FeatureKey = { [A in keyof FeatureMessages]: keyof FeatureMessages[A] }[keyof FeatureMessages];

export type MessageKey = keyof typeof zhCN | FeatureKey;

/** Every screen area's messages, in both languages. */
export interface FeatureDictionary {
  zh: Record<FeatureKey, string>;
  en: Record<FeatureKey, string>;
}

/** A text in both languages, as the workflow's labels (STATE_LABELS …) and code lists give it. */
export type NamePair = Readonly<Record<Language, string>>;

type Dictionary = Record<Language, Record<MessageKey, string>>;
const STORAGE_KEY = 'zhiyin.lang';

export type Params = Record<string, string | number>;
export type Translate = (key: MessageKey, params?: Params) => string;

export function format(template: string, params?: Params): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

export function translate(messages: Dictionary, lang: Language, key: MessageKey, params?: Params): string {
  return format(messages[lang][key], params);
}

function initialLanguage(): Language {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved === 'zh-CN' || saved === 'en') return saved;
  } catch {
    /* storage unavailable */
  }
  // Chinese first: English only when asked for.
  return 'zh-CN';
}

interface I18n {
  lang: Language;
  setLang: (lang: Language) => void;
  t: Translate;
  /** whether the dictionary has this key (for keys built from an API's vocabulary, such as a reason code) */
  has: (key: string) => key is MessageKey;
  /** a person's name in the current language (the other one when it has none in this language) */
  name: (zh: string, en: string) => string;
  /** a text given in both languages (the workflow's labels, a code list's terms) in the current one */
  labelOf: (pair: NamePair) => string;
  /** items as a list in the current language's way ("甲、乙", "a, b") */
  list: (items: readonly string[]) => string;
  date: (iso: string | Date) => string;
  dateTime: (iso: string | Date) => string;
  number: (n: number, opts?: Intl.NumberFormatOptions) => string;
}

const Ctx = createContext<I18n | null>(null);

export function I18nProvider({ features, children }: { features: FeatureDictionary; children: ReactNode }) {
  const messages = useMemo<Dictionary>(
    () => ({ 'zh-CN': { ...zhCN, ...features.zh }, en: { ...en, ...features.en } }),
    [features],
  );
  const [lang, setLangState] = useState<Language>(initialLanguage);
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);
  const setLang = useCallback((l: Language) => {
    setLangState(l);
    try {
      localStorage.setItem(STORAGE_KEY, l);
    } catch {
      /* storage unavailable */
    }
  }, []);
  const value = useMemo<I18n>(() => {
    const name = (zh: string, enName: string) => (lang === 'zh-CN' ? zh || enName : enName || zh);
    const dateFmt = new Intl.DateTimeFormat(lang, { year: 'numeric', month: '2-digit', day: '2-digit' });
    const dateTimeFmt = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' });
    return {
      lang,
      setLang,
      t: (key, params) => translate(messages, lang, key, params),
      has: (key): key is MessageKey => Object.hasOwn(messages[lang], key),
      name,
      labelOf: (pair) => name(pair['zh-CN'], pair.en),
      list: (items) => items.join(translate(messages, lang, 'common.listSeparator')),
      date: (d) => dateFmt.format(typeof d === 'string' ? new Date(d) : d),
      dateTime: (d) => dateTimeFmt.format(typeof d === 'string' ? new Date(d) : d),
      number: (n, opts) => new Intl.NumberFormat(lang, opts).format(n),
    };
  }, [lang, setLang, messages]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useI18n(): I18n {
  const v = useContext(Ctx);
  if (!v) throw new Error('useI18n outside I18nProvider');
  return v;
}
