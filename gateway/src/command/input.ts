import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from './errors';
import type { CliIo } from './types';

/** Everything a stream gives until it ends. */
export async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

/** A file's bytes, or a usage error that names the option and the reason (ENOENT, EACCES, …). */
export function readFileOption(io: CliIo, path: string, option: string): Buffer {
  try {
    return readFileSync(resolve(io.cwd, path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new UsageError({ message: `${option} ${path}: cannot read it (${code})`, cause: error });
  }
}

/**
 * The input of a command that reads data: the given text, the file, or stdin — exactly one. Stdin is used only
 * when it is not a terminal: a command waiting silently for typed input looks hung.
 */
export async function readInput(
  io: CliIo,
  sources: Readonly<{ text?: string; textOption: string; file?: string; fileOption: string }>,
): Promise<Buffer> {
  const { text, file } = sources;
  if (text !== undefined && file !== undefined) {
    throw new UsageError({ message: `give ${sources.textOption} or ${sources.fileOption}, not both` });
  }
  if (text !== undefined) {
    return Buffer.from(text, 'utf8');
  }
  if (file !== undefined) {
    return readFileOption(io, file, sources.fileOption);
  }
  if (io.stdin.isTTY) {
    throw new UsageError({
      message: `nothing to read: give ${sources.textOption} or ${sources.fileOption}, or pipe the input on stdin`,
    });
  }
  return readAll(io.stdin);
}
