// The bench's reference for STOW-RS: the bare durable write path, run as its own process. It does only what any
// server must do to store a multipart/related request with the durability of the two servers under test: receive
// the body, split the parts, SHA-256 each, write each to a content-addressed file (256 directories made at start),
// flush file and directory (fsync) before answering, and record the request in PostgreSQL with one committed INSERT
// (synchronous_commit on). No DICOM parsing, no index of studies/series/instances, no authentication, no audit.
// Its throughput shows how far the machine, the disk and the client allow a server to go; nothing real runs it.
// DURABILITY=full (the default) flushes as Zhiyin does: file and directory (fsync), and the INSERT's commit on disk.
// DURABILITY=light flushes as Orthanc does: the file's data only (fdatasync), no directory, and the commit not waited
// for on disk (synchronous_commit off; Orthanc's SQLite index is not flushed either). DURABILITY=data is between the
// two: the file's data only, but the commit on disk.
//
// env: PORT, DIR (an empty directory), DATABASE_URL (an empty database), DURABILITY (full, data or light)
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { open } from 'node:fs/promises';
import http from 'node:http';
import { join } from 'node:path';
import pg from 'pg';

const dir = /** @type {string} */ (process.env.DIR);
for (let i = 0; i < 256; i++) mkdirSync(join(dir, i.toString(16).padStart(2, '0')), { recursive: true });
const durability = process.env.DURABILITY ?? 'full';
const light = durability === 'light';
const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL,
  max: 8,
  ...(light ? { options: '-c synchronous_commit=off' } : {}),
});
await pool.query(
  'CREATE TABLE IF NOT EXISTS stored (id bigserial PRIMARY KEY, sha256 text NOT NULL, size bigint NOT NULL)',
);

/** @param {string} path */
async function syncPath(path) {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** @param {Buffer} data */
async function store(data) {
  const sha = createHash('sha256').update(data).digest('hex');
  const shard = join(dir, sha.slice(0, 2));
  const fh = await open(join(shard, sha), 'w', 0o600);
  try {
    let done = 0;
    while (done < data.length) done += (await fh.write(data, done)).bytesWritten;
    if (durability !== 'full') await fh.datasync();
    else await Promise.all([fh.sync(), syncPath(shard)]);
  } finally {
    await fh.close();
  }
  return { sha, size: data.length };
}

/** The parts of a multipart body, without their headers. @param {Buffer} body @param {string} boundary */
function parts(body, boundary) {
  const delimiter = Buffer.from(`--${boundary}`);
  /** @type {Buffer[]} */
  const out = [];
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    if (body[start] === 0x2d && body[start + 1] === 0x2d) break; // closing delimiter
    const headersEnd = body.indexOf('\r\n\r\n', start);
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), headersEnd);
    if (headersEnd < 0 || next < 0) throw new Error('malformed multipart body');
    out.push(body.subarray(headersEnd + 4, next));
    at = next + 2;
  }
  return out;
}

const server = http.createServer(async (req, res) => {
  try {
    const boundary = /boundary="?([^";]+)"?/i.exec(req.headers['content-type'] ?? '')?.[1];
    if (req.method !== 'POST' || !boundary) {
      res.writeHead(404).end();
      return;
    }
    /** @type {Buffer[]} */
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const list = parts(Buffer.concat(chunks), boundary);
    // the parts of one request four at a time, as Zhiyin does
    /** @type {{ sha: string, size: number }[]} */
    const stored = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(4, list.length) }, async () => {
        while (next < list.length) {
          const i = next++;
          stored[i] = await store(list[i]);
        }
      }),
    );
    await pool.query('INSERT INTO stored (sha256, size) SELECT * FROM unnest($1::text[], $2::bigint[])', [
      stored.map((s) => s.sha),
      stored.map((s) => s.size),
    ]);
    const body = JSON.stringify({ parts: stored.length, bytes: stored.reduce((n, s) => n + s.size, 0) });
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(body);
  } catch (e) {
    res.writeHead(500, { 'Content-Type': 'text/plain' }).end(String(/** @type {Error} */ (e).message));
  }
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('listening\n'));
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void pool.end().then(() => process.exit(0));
});
