import { vi } from 'vitest';

/**
 * Everything written to stdout and stderr from now on (the logger's lines included), kept instead of
 * printed, so a test can look for what must never appear. vi.restoreAllMocks() stops it.
 */
export function captureStdio(): string[] {
  const written: string[] = [];
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: unknown) => {
      written.push(String(chunk));
      return true;
    });
  }
  return written;
}
