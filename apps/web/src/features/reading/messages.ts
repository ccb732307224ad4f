// Messages of this screen area: 简体中文 first (its keys are the message keys), English with exactly
// the same keys (the compiler refuses a missing or extra one). Keys start with the area's prefix.
export const zh = {} as const;

export const en: Record<keyof typeof zh, string> = {};
