import { pino, type Logger } from 'pino';

/**
 * Field names that could ever hold secrets. Agents never log them; redaction is the second line of defence
 * should a future change pass a whole record to the logger.
 */
export const REDACTED_FIELDS = [
  'wrappedKey',
  'wrappedKeys',
  'ephemeralPublicKey',
  'plaintext',
  'key',
  'keyValue',
  'secret',
  'privateKey',
  'pin',
];

export const REDACT_PATHS = REDACTED_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]);

/** The default logger of agents and servers: pino JSON lines with redaction of secret-bearing fields. */
export function defaultLogger(name: string): Logger {
  return pino({
    name,
    level: process.env['KEYLEDGER_LOG_LEVEL'] ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  });
}

/** Text of an error for a log line: its message only (ledger and HSM errors never carry key bytes). */
export function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
