import type { OpenAPIObject } from '@nestjs/swagger';
import { COMPONENT_REF_PREFIX, contractSchemas } from './contract-schemas.js';

/**
 * Adds the contracts' schemas to the generated document's components and checks that every reference resolves, so a
 * route documented with a type that does not exist (a typo, a renamed view) stops the server from starting.
 */
export function withContractSchemas(doc: OpenAPIObject): OpenAPIObject {
  const contracts = contractSchemas();
  const own = doc.components?.schemas ?? {};
  for (const name of Object.keys(own)) {
    if (name in contracts) throw new Error(`OpenAPI: ${name} is both a contracts type and a DTO class`);
  }
  doc.components = { ...doc.components, schemas: { ...own, ...(contracts as typeof own) } };
  const missing = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith(COMPONENT_REF_PREFIX)) {
        const name = value.slice(COMPONENT_REF_PREFIX.length);
        if (!doc.components!.schemas![name]) missing.add(name);
      } else walk(value);
    }
  };
  walk(doc);
  if (missing.size) throw new Error(`OpenAPI: unknown response types ${[...missing].join(', ')}`);
  return doc;
}
