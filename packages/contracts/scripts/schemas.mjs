// Writes dist/schemas.json: the JSON Schema of every exported type of the contracts, for the API's OpenAPI document
// (its response schemas point at them) and for the test that checks real answers against them. Generated from the
// TypeScript types themselves, so the documented shape cannot drift from the type the API and the web compile against.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createGenerator } from 'ts-json-schema-generator';

const root = fileURLToPath(new URL('..', import.meta.url));
const schema = createGenerator({
  path: `${root}src/index.ts`,
  tsconfig: `${root}tsconfig.build.json`,
  type: '*',
  expose: 'export',
  topRef: true,
  jsDoc: 'basic',
  // Callback types (socket.io acknowledgements) have no JSON form.
  functions: 'hide',
  skipTypeCheck: true,
}).createSchema('*');
writeFileSync(`${root}dist/schemas.json`, `${JSON.stringify(schema.definitions ?? {}, null, 1)}\n`);
