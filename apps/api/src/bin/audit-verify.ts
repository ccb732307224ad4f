// `npm run audit:verify -w @zhiyin/api`: recomputes the audit trail's hash chain and names the first
// broken row. Exit code 0: the chain verifies; 1: it is broken; 2: it could not be checked.
import { describeError } from '#src/common/describe-error.js';
import { loadConfig } from '#src/config/app-config.js';
import { verifyAuditChain } from '#src/modules/audit/verify-audit-chain.js';
import { sqlOf, withCommandDatabase } from './command-database.js';

try {
  const config = loadConfig();
  const report = await withCommandDatabase(config, (db) => verifyAuditChain(sqlOf(db)));
  const b = report.firstBroken;
  process.stdout.write(
    b
      ? `audit chain BROKEN: first broken row id ${b.id ?? '?'} (chain position ${b.chainSeq ?? 'none'}, written ${b.at ?? '?'}): ${b.reason}\n`
      : `audit chain verified: ${report.checked} rows, head ${report.head.chainSeq} ${report.head.hash}\n`,
  );
  process.stdout.write(`${JSON.stringify(report)}\n`);
  process.exitCode = report.ok ? 0 : 1;
} catch (err) {
  process.stderr.write(`audit:verify failed: ${describeError(err)}\n`);
  process.exitCode = 2;
}
