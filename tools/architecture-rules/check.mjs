#!/usr/bin/env node
// `npm run lint:deps`: the module rules of .dependency-cruiser.cjs over apps/*/src and packages/*/src.
// Violations that existed when a rule was introduced are listed in known-violations.json (the debt the
// architecture work burns down); any other one fails. dependency-cruiser's own --ignore-known does not
// match folder-scope cycles, so the comparison is made here, by rule and the two ends.
//   node tools/architecture-rules/check.mjs              check
//   node tools/architecture-rules/check.mjs --baseline   rewrite known-violations.json (after paying debt off)
import { cruise } from 'dependency-cruiser';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = fileURLToPath(new URL('../../', import.meta.url));
const knownFile = fileURLToPath(new URL('./known-violations.json', import.meta.url));

/** Every violation of the rules in the given folders, as stable keys `rule from -> to`. */
export async function violations(roots, { cwd = root } = {}) {
  const config = require(`${root}.dependency-cruiser.cjs`);
  const previous = process.cwd();
  process.chdir(cwd);
  try {
    const options = { ...config.options, tsConfig: { fileName: `${root}${config.options.tsConfig.fileName}` } };
    const result = await cruise(roots, { ...options, ruleSet: { forbidden: config.forbidden }, validate: true });
    return [...new Set(result.output.summary.violations.map((v) => `${v.rule.name} ${v.from} -> ${v.to}`))].sort();
  } finally {
    process.chdir(previous);
  }
}

const ROOTS = [
  'apps/api/src',
  'apps/web/src',
  'apps/gateway/src',
  'packages/contracts/src',
  'packages/dicom/src',
  'packages/dimse/src',
  'packages/workflow/src',
];

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { existsSync } = await import('node:fs');
  const found = await violations(ROOTS.filter((r) => existsSync(`${root}${r}`)));
  if (process.argv.includes('--baseline')) {
    writeFileSync(knownFile, `${JSON.stringify(found, null, 2)}\n`);
    console.log(`${found.length} known violations written`);
  } else {
    const known = new Set(JSON.parse(readFileSync(knownFile, 'utf8')));
    const fresh = found.filter((v) => !known.has(v));
    const paid = [...known].filter((v) => !found.includes(v));
    for (const v of fresh) console.error(`✖ ${v}`);
    if (paid.length)
      console.log(`${paid.length} known violations are gone: run with --baseline to drop them from the list`);
    if (fresh.length) {
      console.error(`\n${fresh.length} new dependency violations (rules and reasons: .dependency-cruiser.cjs)`);
      process.exit(1);
    }
    console.log(
      `dependency rules: no new violations (${found.length} known, listed in tools/architecture-rules/known-violations.json)`,
    );
  }
}
