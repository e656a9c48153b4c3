/**
 * Control characters other than tab and line feed, DEL, the C1 range and the Unicode line/paragraph
 * separators. Composite keys carry U+0000 and a chaincode may print anything: written raw they make a log
 * file binary to `grep` and let a value forge what looks like a line of its own.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g;

/** ANSI CSI sequences (colours, cursor moves) as winston's colorize writes them in the chaincode's output. */
// eslint-disable-next-line no-control-regex
const ANSI_CSI = /\u001b\[[0-?]*[ -/]*[@-~]/g;

/** `\u0000`-style escapes for every control character except tab and line feed, as JSON would write them. */
export function escapeControlCharacters(text: string): string {
  return text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Removes terminal colour codes (meaningless in a file), then escapes what control characters remain. */
export function sanitizeProcessOutput(text: string): string {
  return escapeControlCharacters(text.replace(ANSI_CSI, ''));
}

/**
 * One log record as lines of the file: the first prefixed, every further line (a stack trace, or a line break
 * inside a value) indented under it, so no record can pass for another.
 */
export function formatRecord(prefix: string, message: string): string {
  const lines = escapeControlCharacters(message).split('\n');
  return `${prefix}${lines.join(`\n${' '.repeat(Math.min(prefix.length, 4))}`)}\n`;
}
