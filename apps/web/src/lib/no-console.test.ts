import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Patient data must never reach a browser console (shared PCs, screenshots, support sessions):
// the app's code has no console calls at all.
const SRC = fileURLToPath(new URL('..', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sources(p);
    return /\.tsx?$/.test(name) && !name.endsWith('.test.ts') ? [p] : [];
  });
}

it('the web app never writes to the console', () => {
  const offenders = sources(SRC).filter((f) => /\bconsole\s*\.\s*\w+\s*\(/.test(readFileSync(f, 'utf8')));
  expect(offenders).toEqual([]);
});
