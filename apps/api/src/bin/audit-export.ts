// `npm run audit:export -w @zhiyin/api -- --from 2026-01-01 --to 2026-07-01 --out audit-2026H1.jsonl`:
// writes the audit rows of a period, in chain order, as JSON lines an archive keeps. Each row line has
// the exact text its hash was computed over, so the archive verifies on its own:
//   hash(row) = sha256_hex(hash(previous row) + content), the first row's previous hash in the header.
// The last line carries the hash of the period's last row and the chain head at export time: record it
// outside the database (signed register, WORM store) so that a later rewrite of the chain shows.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { describeError } from '#src/common/describe-error.js';
import { loadConfig } from '#src/config/app-config.js';
import { withCommandDatabase } from './command-database.js';

const BATCH = 5000;

try {
  const { values } = parseArgs({
    options: { from: { type: 'string' }, to: { type: 'string' }, out: { type: 'string' } },
  });
  const from = new Date(values.from ?? '');
  const to = new Date(values.to ?? '');
  if (!values.out || Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()) || from >= to)
    throw new Error('usage: audit:export --from <date> --to <date> --out <file.jsonl> (from before to)');
  const config = loadConfig();
  const out = createWriteStream(values.out, { flags: 'wx', mode: 0o600 });
  const write = async (line: unknown) => {
    if (!out.write(`${JSON.stringify(line)}\n`)) await once(out, 'drain');
  };
  const summary = await withCommandDatabase(config, async (db) => {
    await db.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      const range = await db.query<{ first: string | null; last: string | null }>(
        'SELECT min(chain_seq)::text AS first, max(chain_seq)::text AS last FROM audit_event WHERE at >= $1 AND at < $2',
        [from, to],
      );
      const { first, last } = range.rows[0]!;
      const head = (await db.query<{ seq: string; head: string }>('SELECT seq::text, head FROM audit_chain')).rows[0]!;
      const prev = first
        ? (
            await db.query<{ hash: string }>(
              `SELECT COALESCE((SELECT hash FROM audit_event WHERE chain_seq = $1::bigint - 1),
                               (SELECT anchor_hash FROM audit_chain WHERE anchor_seq = $1::bigint - 1)) AS hash`,
              [first],
            )
          ).rows[0]?.hash
        : null;
      await write({ type: 'zhiyin-audit-archive', from, to, firstChainSeq: first, previousHash: prev });
      let after = first ? BigInt(first) - 1n : 0n;
      let rows = 0;
      let lastHash: string | null = null;
      while (first && last && after < BigInt(last)) {
        const batch = await db.query<{ chain_seq: string; id: string; hash: string; content: string }>(
          `SELECT chain_seq::text, id::text, hash, content
             FROM (SELECT e.chain_seq, e.id, e.hash, audit_event_content(e) AS content FROM audit_event e
                    WHERE e.chain_seq > $1::bigint AND e.chain_seq <= $2::bigint ORDER BY e.chain_seq LIMIT ${BATCH}) x`,
          [after.toString(), last],
        );
        if (batch.rows.length === 0) break;
        for (const r of batch.rows) {
          await write({ chainSeq: r.chain_seq, id: r.id, hash: r.hash, content: r.content });
          lastHash = r.hash;
        }
        rows += batch.rows.length;
        after = BigInt(batch.rows[batch.rows.length - 1]!.chain_seq);
      }
      await write({
        type: 'end',
        rows,
        lastChainSeq: last,
        lastHash,
        chainHead: { chainSeq: head.seq, hash: head.head },
      });
      return { rows, lastChainSeq: last, lastHash };
    } finally {
      await db.query('COMMIT');
    }
  });
  out.end();
  await once(out, 'finish');
  process.stdout.write(
    `exported ${summary.rows} audit rows to ${values.out}; last chain position ${summary.lastChainSeq ?? '-'}, hash ${summary.lastHash ?? '-'}\n`,
  );
} catch (err) {
  process.stderr.write(`audit:export failed: ${describeError(err)}\n`);
  process.exitCode = 2;
}
