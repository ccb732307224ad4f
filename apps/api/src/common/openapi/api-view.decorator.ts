import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { COMPONENT_REF_PREFIX } from './contract-schemas.js';

/**
 * Documents what a route answers as a type of packages/contracts (its JSON Schema, generated from the type, sits in
 * the document's components): `@ApiView('ReferralDetailView')`, `@ApiView('KeyImageView', { array: true })`.
 * The name is checked at start-up and by the OpenAPI test: a name that is not a contracts type fails.
 */
export function ApiView(
  type: string,
  options: { status?: number; array?: boolean; nullable?: boolean; description?: string } = {},
) {
  const ref = { $ref: COMPONENT_REF_PREFIX + type };
  const schema = options.array
    ? { type: 'array' as const, items: ref }
    : options.nullable
      ? { allOf: [ref], nullable: true }
      : ref;
  return applyDecorators(
    ApiResponse({ status: options.status ?? 200, description: options.description ?? type, schema }),
  );
}
