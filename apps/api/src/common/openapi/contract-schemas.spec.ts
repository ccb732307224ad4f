import { toOpenApiSchema } from './contract-schemas.js';

// The generator writes draft-07 JSON Schema; OpenAPI 3.0 (what @nestjs/swagger documents) has no `null` type and no
// `const`, and references live under components.
describe('toOpenApiSchema', () => {
  it('turns a nullable type list into nullable', () => {
    expect(toOpenApiSchema({ type: ['string', 'null'] })).toEqual({ type: 'string', nullable: true });
    expect(toOpenApiSchema({ type: ['string', 'number'] })).toEqual({
      anyOf: [{ type: 'string' }, { type: 'number' }],
    });
  });

  it('wraps a nullable reference in allOf (OpenAPI 3.0 ignores siblings of $ref)', () => {
    expect(toOpenApiSchema({ anyOf: [{ $ref: '#/definitions/ConsentView' }, { type: 'null' }] })).toEqual({
      allOf: [{ $ref: '#/components/schemas/ConsentView' }],
      nullable: true,
    });
  });

  it('keeps a union of several options and marks it nullable', () => {
    expect(
      toOpenApiSchema({ anyOf: [{ $ref: '#/definitions/A' }, { type: 'string', enum: ['x'] }, { type: 'null' }] }),
    ).toEqual({ anyOf: [{ $ref: '#/components/schemas/A' }, { type: 'string', enum: ['x'] }], nullable: true });
  });

  it('writes const as a one-value enum and leaves property names alone', () => {
    expect(
      toOpenApiSchema({
        type: 'object',
        properties: { const: { const: 'up' }, $ref: { type: 'string' } },
        required: ['const'],
      }),
    ).toEqual({
      type: 'object',
      properties: { const: { enum: ['up'] }, $ref: { type: 'string' } },
      required: ['const'],
    });
  });

  it('decodes encoded reference names', () => {
    expect(toOpenApiSchema({ $ref: '#/definitions/Record%3Cstring%2Cunknown%3E' })).toEqual({
      $ref: '#/components/schemas/Record<string,unknown>',
    });
  });
});
