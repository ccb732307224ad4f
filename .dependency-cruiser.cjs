// The module rules of STYLE.md/ARCHITECTURE.md, checked by `npm run lint` (tools/architecture-rules/check.mjs).
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycle between files.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-folder-cycles',
      severity: 'error',
      scope: 'folder',
      comment: 'No cycle between folders (feature modules, common, lib, database, seed, …).',
      from: {},
      to: { circular: true },
    },
    {
      name: 'sql-only-in-repositories',
      severity: 'error',
      comment:
        'TypeORM (and with it SQL) only in repositories, entities, database/ and migrations: services hold use cases, controllers stay thin.',
      from: {
        path: '(^|/)apps/api/src/',
        pathNot: [
          '\\.repository\\.ts$',
          '\\.entity\\.ts$',
          '(^|/)apps/api/src/database/',
          '(^|/)apps/api/src/migrations/',
          '\\.spec\\.ts$',
        ],
      },
      to: { path: 'node_modules/typeorm/' },
    },
    {
      name: 'packages-import-no-apps',
      severity: 'error',
      comment: 'Dependencies point one way, apps -> packages: a package never imports from an app.',
      from: { path: '(^|/)packages/[^/]+/src/' },
      to: { path: '(^|/)apps/' },
    },
    {
      name: 'dimse-framework-free',
      severity: 'error',
      comment:
        'packages/dimse is shared by the hub (NestJS) and the gateway (plain Node): no NestJS, TypeORM or database driver in it.',
      from: { path: '(^|/)packages/dimse/src/' },
      to: { path: 'node_modules/(@nestjs/|typeorm/|pg/|class-validator/)' },
    },
    {
      name: 'web-feature-imports-no-sibling',
      severity: 'error',
      comment: 'A web feature does not import another feature: shared pieces live in shared/ or lib/.',
      from: { path: '(^|/)apps/web/src/features/([^/]+)/' },
      to: { path: '(^|/)apps/web/src/features/', pathNot: '(^|/)apps/web/src/features/$2/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|test-artifacts|bench)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['development', 'import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.d.ts'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
  },
};
