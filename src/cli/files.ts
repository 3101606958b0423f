import { open } from 'node:fs/promises';
import { InvalidInputError } from '../core/errors.js';

/** The most any CLI input file (--input, --config, --table-mappings) may hold. */
export const MAX_INPUT_FILE_BYTES = 1_048_576;

/**
 * Reads a file the user named, at most `maxBytes` (a bigger file, a device or a FIFO that never
 * ends costs no memory: reading stops one byte past the limit), as UTF-8 text (- is stdin).
 * Errors name the flag, the path and what is wrong, never a byte of the content.
 */
export async function readBoundedFile(
  file: string,
  flag: string,
  maxBytes: number = MAX_INPUT_FILE_BYTES,
): Promise<string> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  const path = displayPath(file);
  try {
    handle = file === '-' ? undefined : await open(file, 'r');
    const fd = handle?.fd ?? 0;
    if (handle && (await handle.stat()).isDirectory()) {
      throw new InvalidInputError(flag, `${path} is a directory`, 'Give the path of a JSON file');
    }
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    while (length <= maxBytes) {
      const { bytesRead } = await readChunk(fd, buffer, length, maxBytes + 1 - length, handle);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > maxBytes) {
      throw new InvalidInputError(
        flag,
        `${path} is larger than ${formatLimit(maxBytes)}`,
        `Keep the file under ${formatLimit(maxBytes)}`,
      );
    }
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(buffer.subarray(0, length));
    } catch {
      throw new InvalidInputError(flag, `${path} is not UTF-8 text`, 'Give a JSON file in UTF-8');
    }
  } catch (error) {
    if (error instanceof InvalidInputError) throw error;
    throw new InvalidInputError(
      flag,
      `cannot read ${path}: ${reason(error)}`,
      'Give the path of a readable file',
    );
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

async function readChunk(
  fd: number,
  buffer: Buffer,
  offset: number,
  length: number,
  handle: Awaited<ReturnType<typeof open>> | undefined,
): Promise<{ bytesRead: number }> {
  if (handle) return handle.read(buffer, offset, length, null);
  const { read } = await import('node:fs');
  return new Promise((resolve, reject) =>
    read(fd, buffer, offset, length, null, (error, bytesRead) =>
      error ? reject(error) : resolve({ bytesRead }),
    ),
  );
}

/** The error code in words: the message of a file error repeats the path and nothing more useful. */
function reason(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    case 'ENAMETOOLONG':
      return 'the path is too long';
    default:
      return typeof code === 'string' ? code : 'unreadable';
  }
}

function displayPath(file: string): string {
  if (file === '-') return 'stdin';
  return JSON.stringify(file.length > 120 ? `${file.slice(0, 120)}…` : file);
}

function formatLimit(bytes: number): string {
  return bytes % 1_048_576 === 0 ? `${bytes / 1_048_576} MB` : `${bytes} bytes`;
}

/**
 * A JSON document from a file the user named (bounded like readBoundedFile). JSON.parse's own message
 * quotes the text around the mistake, so it is never shown: only that the file is not JSON.
 */
export async function readJsonFile(file: string, flag: string, what: string): Promise<unknown> {
  const text = await readBoundedFile(file, flag);
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidInputError(
      flag,
      `${displayPath(file)} is not valid JSON`,
      `Give ${what} as JSON; check the file with a JSON linter (jq . FILE)`,
    );
  }
}

/** A JSON object from a file the user named (- is stdin). */
export async function readJsonObjectFile(
  file: string,
  flag: string,
  what: string,
): Promise<Record<string, unknown>> {
  const json = await readJsonFile(file, flag, what);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new InvalidInputError(
      flag,
      `${displayPath(file)} is not a JSON object`,
      `Give ${what} as a JSON object`,
    );
  }
  return json as Record<string, unknown>;
}
