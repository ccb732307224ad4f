import { get } from 'node:http';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';

// Checks real answers against the OpenAPI document: for a route documented with a contracts type (@ApiView), the
// body must be valid against that type's JSON Schema (generated from the TypeScript type; objects allow no extra
// property). Every integration test's `api()` call goes through it, so an answer that drifts from its declared view
// (a field renamed, added or of another type) fails the test that saw it.

interface Operation {
  responses?: Record<string, { content?: Record<string, { schema?: Record<string, unknown> }> }>;
}
type Paths = Record<string, Record<string, Operation>>;

const definitions = createRequire(import.meta.url)('@zhiyin/contracts/schemas.json') as Record<string, object>;
const COMPONENT = '#/components/schemas/';

let ajv: Ajv | undefined;
function compiler(): Ajv {
  if (!ajv) {
    ajv = new Ajv({ strict: false, allErrors: true });
    ajv.addSchema({ definitions }, 'contracts');
  }
  return ajv;
}

/** The draft-07 schema a documented response points at: one contracts type, or an array of one. */
function contractSchema(schema: Record<string, unknown>): object | undefined {
  const ref = (s: Record<string, unknown> | undefined): string | undefined => {
    if (!s) return undefined;
    if (typeof s.$ref === 'string' && s.$ref.startsWith(COMPONENT)) return s.$ref.slice(COMPONENT.length);
    const all = s.allOf as Record<string, unknown>[] | undefined;
    return all?.length === 1 ? ref(all[0]) : undefined;
  };
  const one = ref(schema);
  if (one) {
    const target = { $ref: `contracts#/definitions/${one}` };
    return schema.nullable ? { anyOf: [target, { type: 'null' }] } : target;
  }
  if (schema.type === 'array') {
    const item = ref(schema.items as Record<string, unknown>);
    if (item) return { type: 'array', items: { $ref: `contracts#/definitions/${item}` } };
  }
  return undefined;
}

export interface ResponseCheck {
  /** Throws when the route is documented with a contracts type and `body` is not valid against it. */
  (method: string, path: string, status: number, body: unknown): void;
  /** The documented operations, `METHOD /path/{param}` → the contracts type's schema. */
  readonly documented: ReadonlyMap<string, object>;
}

export function responseCheck(paths: Paths): ResponseCheck {
  const routes: { method: string; template: string; pattern: RegExp; status: string; validate: ValidateFunction }[] =
    [];
  const documented = new Map<string, object>();
  for (const [template, ops] of Object.entries(paths)) {
    const pattern = new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`);
    for (const [method, op] of Object.entries(ops)) {
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        const schema = response.content?.['application/json']?.schema;
        const target = schema && contractSchema(schema);
        if (!target) continue;
        documented.set(`${method.toUpperCase()} ${template}`, target);
        routes.push({ method: method.toUpperCase(), template, pattern, status, validate: compiler().compile(target) });
      }
    }
  }
  // The most specific template first: `/api/x/verify` before `/api/x/{id}`.
  const params = (t: string) => t.split('{').length - 1;
  routes.sort((a, b) => params(a.template) - params(b.template));
  const check = (method: string, path: string, status: number, body: unknown) => {
    const bare = path.split('?')[0]!;
    const route = routes.find(
      (r) => r.method === method.toUpperCase() && String(status) === r.status && r.pattern.test(bare),
    );
    // Nest answers a null result with an empty body (api() reads it as undefined): that is the view's null.
    if (!route || route.validate(body === undefined ? null : body)) return;
    const errors = (route.validate.errors ?? [])
      .slice(0, 5)
      .map((e) => `${e.instancePath || '/'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
    throw new Error(
      `${method} ${bare} answered ${status} with a body unlike its documented type:\n  ${errors.join('\n  ')}`,
    );
  };
  return Object.assign(check, { documented });
}

/**
 * The served document's check, loaded once per server. Read over a connection closed after the answer (not fetch's
 * kept-alive pool): a test that counts the server's connections per address must find none left by this.
 */
export async function loadResponseCheck(url: string): Promise<ResponseCheck> {
  const text = await new Promise<string>((resolve, reject) => {
    const req = get(`${url}/api/docs/openapi.json`, { agent: false, headers: { connection: 'close' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        res.statusCode === 200
          ? resolve(Buffer.concat(chunks).toString('utf8'))
          : reject(new Error(`openapi.json answered ${res.statusCode}`)),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
  });
  const doc = JSON.parse(text) as { paths: Paths };
  return responseCheck(doc.paths);
}
