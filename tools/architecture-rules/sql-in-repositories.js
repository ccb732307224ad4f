// The ESLint half of "SQL only in repositories" (the dependency rules refuse TypeORM imports): a service
// or controller that calls `.query(` is refused. Used by eslint.config.js and tested in rules.spec.mjs.
export const sqlOnlyInRepositories = {
  selector: "CallExpression[callee.property.name='query']",
  message: 'SQL only in a repository (*.repository.ts): move this query there.',
};
