// The shared DICOM samples, each as its own study/series/instance, stored in Zhiyin by STOW-RS.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseFull, toDicomJson } from '@zhiyin/dicom';

/**
 * @typedef {object} Sample
 * @property {string} name        file name in the shared dicom folder
 * @property {Buffer} file        the bytes stored (UIDs made unique when another sample has the same ones)
 * @property {string} syntax      transfer syntax, short name
 * @property {string} syntaxUid
 * @property {string} study
 * @property {string} series
 * @property {string} sop
 * @property {string} modality
 * @property {number} frames      0 without pixel data
 * @property {string} patientId
 */

/** A UID of the same length that differs in its last two digits (n from 10 to 99). */
const variant = (/** @type {string} */ uid, /** @type {number} */ n) => `${uid.slice(0, -2)}${n}`;

/** The same UIDs replaced wherever they occur (same length: no element length changes). */
function withUidsReplaced(/** @type {Buffer} */ file, /** @type {Record<string, string>} */ map) {
  const out = Buffer.from(file);
  for (const [from, to] of Object.entries(map)) {
    const needle = Buffer.from(from, 'latin1');
    for (let at = out.indexOf(needle); at >= 0; at = out.indexOf(needle, at + needle.length))
      out.write(to, at, 'latin1');
  }
  return out;
}

/** @param {Buffer} file */
function describe(file) {
  const ds = parseFull(file, { validate: false });
  const json = toDicomJson(ds);
  /** @param {string} tag */
  const v = (tag) => /** @type {any} */ (json[tag]?.Value?.[0]);
  return {
    syntaxUid: ds.transferSyntaxUid,
    syntax: ds.transferSyntax.name,
    study: String(v('0020000D')),
    series: String(v('0020000E')),
    sop: String(v('00080018')),
    modality: String(v('00080060') ?? ''),
    frames: json['7FE00010'] || json['7FE00008'] || json['7FE00009'] ? Number(v('00280008') ?? 1) : 0,
    patientId: String(v('00100020') ?? ''),
  };
}

/**
 * The `.dcm` files directly in `<shared>/dicom` (sorted), or those named. Samples that share UIDs (pydicom's
 * MR_small in several encodings) each get their own study, series and instance, so that every one is listed and
 * opened on its own; a deflated file cannot be edited in place and is kept as it is.
 * @param {string} dicomDir @param {string[]} [only] file names
 * @returns {Sample[]}
 */
export function loadSamples(dicomDir, only) {
  const names = (only ?? readdirSync(dicomDir).filter((n) => n.endsWith('.dcm'))).sort();
  /** @type {Set<string>} */
  const seen = new Set();
  /** @type {Sample[]} */
  const out = [];
  for (const [k, name] of names.entries()) {
    const path = join(dicomDir, name);
    if (!statSync(path).isFile()) continue;
    let file = readFileSync(path);
    let d = describe(file);
    if ((seen.has(d.sop) || seen.has(d.study)) && !/Deflate/i.test(d.syntax)) {
      const n = 10 + (k % 90);
      file = withUidsReplaced(file, {
        [d.study]: variant(d.study, n),
        [d.series]: variant(d.series, n),
        [d.sop]: variant(d.sop, n),
      });
      d = describe(file);
    }
    seen.add(d.sop);
    seen.add(d.study);
    out.push({ name, file, ...d });
  }
  return out;
}

/**
 * Signs in through the API (as the web app and the tests do).
 * @param {string} origin @param {string} username @param {string} password
 */
export async function signIn(origin, username, password) {
  const res = await fetch(`${origin}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (res.status !== 200) throw new Error(`sign-in as ${username}: ${res.status} ${await res.text()}`);
  return /** @type {string} */ ((await res.json()).accessToken);
}

/**
 * Stores one file by STOW-RS; undefined when stored, else the reason it was refused.
 * @param {string} origin @param {string} token @param {Buffer} file
 */
export async function stowOne(origin, token, file) {
  const boundary = `interop-${Math.random().toString(36).slice(2)}`;
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`),
    file,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const res = await fetch(`${origin}/dicomweb/studies`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}`,
      accept: 'application/dicom+json',
    },
    body,
  });
  const text = await res.text();
  if (res.status !== 200) return `STOW-RS ${res.status}: ${text.slice(0, 300)}`;
  const json = JSON.parse(text);
  const failed = json['00081198']?.Value;
  if (failed?.length) return `refused: ${JSON.stringify(failed[0]).slice(0, 300)}`;
  return undefined;
}
