// Text a person can type holds no C0 control characters other than tab, line feed and carriage
// return (and no DEL). NUL in particular cannot be stored in a PostgreSQL text or jsonb value at
// all: it fails the statement, so it must be refused where the request comes in, for every field.
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

/** True when the text holds a control character that no field accepts. */
export function hasForbiddenControlCharacter(text: string): boolean {
  return FORBIDDEN.test(text);
}

// JSON bodies are at most JSON_MAX_DEPTH deep (checked by the body parser) and query strings are
// flat, so this walk stays shallow; the limit guards it anyway.
const WALK_LIMIT = 64;

/**
 * The names (dotted paths, e.g. `content.medications.0.name`) of the values, or object keys, in
 * `value` that hold a forbidden control character.
 * @param value - a parsed body, query object, or single parameter
 * @param path - the name of `value` itself ('' for a whole body or query object)
 */
export function fieldsWithControlCharacters(value: unknown, path = ''): string[] {
  const found: string[] = [];
  const walk = (v: unknown, at: string, depth: number) => {
    if (typeof v === 'string') {
      if (hasForbiddenControlCharacter(v)) found.push(at || 'value');
      return;
    }
    if (depth >= WALK_LIMIT || typeof v !== 'object' || v === null) return;
    for (const [k, child] of Object.entries(v)) {
      const name = at ? `${at}.${k}` : k;
      if (hasForbiddenControlCharacter(k)) found.push(at || 'value');
      walk(child, name, depth + 1);
    }
  };
  walk(value, path, 0);
  return [...new Set(found)];
}
