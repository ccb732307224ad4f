import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { fileURLToPath } from 'node:url';
import { violations } from './check.mjs';
import { sqlOnlyInRepositories } from './sql-in-repositories.js';

// Each architecture rule shown failing on a small fixture tree shaped like the real one, so that a rule
// that silently stops matching (a moved folder, a changed regular expression) fails here.
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

describe('the dependency rules (npm run lint)', () => {
  let found;
  beforeAll(async () => {
    found = await violations(['apps', 'packages'], { cwd: fixtures });
  }, 60_000);

  it('refuse an import cycle between files', () => {
    expect(found).toContain('no-circular apps/api/src/cycle/one.ts -> apps/api/src/cycle/two.ts');
  });

  it('refuse a cycle between folders even when no file cycle exists', () => {
    expect(found).toContain('no-folder-cycles apps/api/src/left -> apps/api/src/right');
    expect(found.filter((v) => v.startsWith('no-circular') && v.includes('/left/'))).toEqual([]);
  });

  it('refuse TypeORM in a service, and allow it in a repository', () => {
    const sql = found.filter((v) => v.startsWith('sql-only-in-repositories'));
    expect(sql).toHaveLength(1);
    expect(sql[0]).toMatch(
      /^sql-only-in-repositories apps\/api\/src\/modules\/things\/things\.service\.ts -> .*typeorm/,
    );
  });

  it('refuse a web feature importing a sibling feature, and allow its own files', () => {
    expect(found.filter((v) => v.startsWith('web-feature-imports-no-sibling'))).toEqual([
      'web-feature-imports-no-sibling apps/web/src/features/one/Page.ts -> apps/web/src/features/two/api.ts',
    ]);
  });

  it('refuse a package importing an app, or packages/dimse importing NestJS, and allow Node and its own files', () => {
    const packages = found.filter((v) => v.startsWith('packages-') || v.startsWith('dimse-'));
    expect(packages.map((v) => v.replace(/ -> .*node_modules\/@nestjs\/common\/.*$/, ' -> @nestjs/common'))).toEqual([
      'dimse-framework-free packages/dimse/src/scp.ts -> @nestjs/common',
      'packages-import-no-apps packages/dimse/src/scp.ts -> apps/api/src/modules/things/things.service.ts',
    ]);
  });
});

describe('the SQL rule of ESLint', () => {
  const eslint = new ESLint({
    overrideConfigFile: true,
    overrideConfig: {
      files: ['**/*.ts'],
      languageOptions: { parser: tseslint.parser },
      rules: { 'no-restricted-syntax': ['error', sqlOnlyInRepositories] },
    },
  });

  it('refuses a .query( call', async () => {
    const [r] = await eslint.lintText("export const f = (ds: { query(s: string): void }) => ds.query('SELECT 1');\n", {
      filePath: 'x.service.ts',
    });
    expect(r.messages.map((m) => m.message)).toEqual([sqlOnlyInRepositories.message]);
  });

  it('leaves request query strings alone', async () => {
    const [r] = await eslint.lintText('export const f = (req: { query: object }) => req.query;\n', {
      filePath: 'x.controller.ts',
    });
    expect(r.messages).toEqual([]);
  });
});
