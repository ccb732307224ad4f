import { execFile } from 'node:child_process';

/** Runs one of Debian's dcmtk tools (echoscu, storescu, findscu, …) and returns how it ended. */
export function dcmtk(
  tool: string,
  args: string[],
  opts: { timeoutMs?: number; cwd?: string } = {},
): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      tool,
      args,
      { timeout: opts.timeoutMs ?? 60_000, cwd: opts.cwd, maxBuffer: 32 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err
          ? typeof (err as { code?: unknown }).code === 'number'
            ? (err as { code: number }).code
            : 1
          : 0;
        resolve({ code, out: `${stdout}${stderr}` });
      },
    );
  });
}
