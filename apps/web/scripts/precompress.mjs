// Writes Brotli (.br) and gzip (.gz) copies beside each text asset of the production build, once at
// build time, so the API serves compressed files without compressing on every request. A copy is
// kept only when it is smaller than the original.
import { readdirSync, readFileSync, statSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const dist = new URL('../dist/', import.meta.url).pathname;
const COMPRESSIBLE = /\.(js|mjs|css|html|svg|json|txt|webmanifest)$/i;

let files = 0;
let raw = 0;
let br = 0;
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      walk(path);
      continue;
    }
    if (!COMPRESSIBLE.test(name)) continue;
    const data = readFileSync(path);
    const variants = {
      '.br': brotliCompressSync(data, {
        params: {
          [constants.BROTLI_PARAM_QUALITY]: 11,
          [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
          [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        },
      }),
      '.gz': gzipSync(data, { level: 9 }),
    };
    for (const [ext, out] of Object.entries(variants)) {
      if (out.length < data.length) writeFileSync(path + ext, out);
      else rmSync(path + ext, { force: true });
    }
    files++;
    raw += data.length;
    br += Math.min(variants['.br'].length, data.length);
  }
}
walk(dist);
console.log(`precompressed ${files} files: ${(raw / 1024).toFixed(0)} KB → ${(br / 1024).toFixed(0)} KB with Brotli`);
