import { createRequire } from 'node:module';

// The JSON Schemas of packages/contracts (generated from its TypeScript types at build, draft-07) as OpenAPI 3.0
// component schemas: the API's response documentation is the very type the API and the web compile against.

type Schema = Record<string, unknown>;

/** `#/definitions/X` (the generator's) → `#/components/schemas/X` (OpenAPI's). */
const REF_PREFIX = '#/definitions/';
export const COMPONENT_REF_PREFIX = '#/components/schemas/';

/**
 * Rewrites one draft-07 schema into the OpenAPI 3.0 dialect: `type: [T, 'null']` and `anyOf [X, null]` become
 * `nullable`, `const` becomes a one-value `enum`, references point at the components.
 */
export function toOpenApiSchema(input: unknown): unknown {
  if (Array.isArray(input)) return input.map(toOpenApiSchema);
  if (input === null || typeof input !== 'object') return input;
  const src = input as Schema;
  const out: Schema = {};
  for (const [key, value] of Object.entries(src)) {
    if (key === '$schema') continue;
    if (key === '$ref' && typeof value === 'string' && value.startsWith(REF_PREFIX)) {
      out.$ref = COMPONENT_REF_PREFIX + decodeURIComponent(value.slice(REF_PREFIX.length));
    } else if (key === 'const') {
      out.enum = [value];
    } else if (key === 'properties' || key === 'definitions') {
      // keys here are names, not keywords
      out[key] = Object.fromEntries(Object.entries(value as Schema).map(([k, v]) => [k, toOpenApiSchema(v)]));
    } else {
      out[key] = toOpenApiSchema(value);
    }
  }
  if (Array.isArray(out.type)) {
    const types = (out.type as string[]).filter((t) => t !== 'null');
    const nullable = types.length < (out.type as string[]).length;
    if (types.length === 1) out.type = types[0];
    else {
      delete out.type;
      out.anyOf = types.map((type) => ({ type }));
    }
    if (nullable) out.nullable = true;
  }
  if (Array.isArray(out.anyOf)) {
    const options = (out.anyOf as Schema[]).filter((o) => !(o.type === 'null' && Object.keys(o).length === 1));
    if (options.length < (out.anyOf as Schema[]).length) {
      out.nullable = true;
      // OpenAPI 3.0 ignores siblings of $ref, so a nullable reference is wrapped in allOf.
      if (options.length === 1) {
        delete out.anyOf;
        const only = options[0]!;
        if (only.$ref) out.allOf = [only];
        else Object.assign(out, only);
      } else out.anyOf = options;
    }
  }
  return out;
}

let cached: Record<string, unknown> | undefined;

/** Every exported type of packages/contracts as an OpenAPI component schema, by its type name. */
export function contractSchemas(): Record<string, unknown> {
  if (!cached) {
    const definitions = createRequire(import.meta.url)('@zhiyin/contracts/schemas.json') as Record<string, unknown>;
    cached = Object.fromEntries(Object.entries(definitions).map(([name, s]) => [name, toOpenApiSchema(s)]));
  }
  return cached;
}
