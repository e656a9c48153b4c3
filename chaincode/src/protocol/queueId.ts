/**
 * The queue-id rule, shared by the chaincode's input schemas and the gateway's REST schemas so that both
 * accept exactly the same ids.
 *
 * A queue id does not stay on the ledger: front-ends and agents put it into URL paths, HSM token labels
 * (`${queueId}/v${version}`), file names, message-broker topic names and key ids
 * (`${queueId}.v${version}.${16 hex}`). So it is limited to characters that mean nothing in any of those:
 *
 *   - ASCII letters, digits, `.`, `_`, `-` only: no `/` (path and label separator), no `:` or `@`
 *     (URL authority, broker wildcards), no whitespace, no non-ASCII (look-alike characters, normalisation);
 *   - starts with a letter or digit: never `.`, `..`, a hidden file, or something read as a CLI option;
 *   - no `..` run and no trailing `.`: nothing a naive path check mistakes for traversal, and no name that
 *     Windows silently trims;
 *   - at most 64 characters, so the key id `${queueId}.v${version}.${16 hex}` stays within the 128-character
 *     id limit for any version number (64 + 2 + 16 digits + 1 + 16 = 99).
 */
export const QUEUE_ID_MAX_LENGTH = 64;

export const QUEUE_ID_PATTERN = /^(?!.*\.\.)(?!.*\.$)[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** What {@link QUEUE_ID_PATTERN} says, for error messages and API documentation. */
export const QUEUE_ID_RULE =
  'must be 1-64 characters of A-Z a-z 0-9 . _ - (ASCII), starting with a letter or digit, ' +
  "with no '..' and not ending in '.'";

export function isQueueId(value: unknown): value is string {
  return typeof value === 'string' && QUEUE_ID_PATTERN.test(value);
}
