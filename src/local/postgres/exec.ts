import { execFile } from 'node:child_process';
import type { ServerOwner } from './os-user.js';

export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a PostgreSQL binary as the server owner; a failure carries the tool's own stderr. */
export function execAsOwner(
  owner: ServerOwner,
  file: string,
  args: readonly string[],
  options: { timeoutMs?: number } = {},
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      {
        uid: owner.uid,
        gid: owner.gid,
        timeout: options.timeoutMs ?? 120_000,
        // Fixed messages locale: we read some tool output, and tests compare server messages.
        env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
      },
      (error, stdout, stderr) => {
        if (error) {
          const tool = file.split('/').pop();
          reject(new Error(`${tool} ${args.join(' ')} failed: ${stderr.trim() || error.message}`));
          return;
        }
        resolve({ stdout, stderr });
      },
    );
  });
}
