import { canonicalBytes } from '@keyledger/chaincode/protocol';

/**
 * An encryption context as AWS KMS has it: a string → string map bound to a ciphertext as AES-GCM additional
 * authenticated data. Decrypting needs the very same map (order does not matter, content does), so a context that
 * names what the data is for (`{tenant: 'a', purpose: 'invoice'}`) stops a ciphertext being used for something else.
 * It is not secret: it is logged, and it may be used in policies.
 */
export type EncryptionContext = Readonly<Record<string, string>>;

export const MAX_CONTEXT_PAIRS = 64;
export const MAX_CONTEXT_KEY_CHARS = 256;
export const MAX_CONTEXT_VALUE_CHARS = 1024;
/** Largest canonical form of a context, in bytes. */
export const MAX_CONTEXT_BYTES = 8 * 1024;

/** Why a context was refused, with the key at fault when there is one. */
export interface ContextProblem {
  readonly key?: string;
  readonly message: string;
}

/** The problems of a would-be context; empty when it is one. */
export function contextProblems(value: unknown): ContextProblem[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [{ message: 'must be an object of string values' }];
  }
  const entries = Object.entries(value as Record<string, unknown>);
  const problems: ContextProblem[] = [];
  if (entries.length > MAX_CONTEXT_PAIRS) {
    problems.push({ message: `must have at most ${MAX_CONTEXT_PAIRS} entries` });
  }
  for (const [key, item] of entries) {
    if (key.length === 0 || key.length > MAX_CONTEXT_KEY_CHARS) {
      problems.push({ key, message: `keys must be 1-${MAX_CONTEXT_KEY_CHARS} characters` });
    } else if (typeof item !== 'string') {
      problems.push({ key, message: 'must be a string' });
    } else if (item.length > MAX_CONTEXT_VALUE_CHARS) {
      problems.push({ key, message: `must be at most ${MAX_CONTEXT_VALUE_CHARS} characters` });
    }
  }
  if (problems.length === 0 && contextBytes(value as EncryptionContext).length > MAX_CONTEXT_BYTES) {
    problems.push({ message: `must be at most ${MAX_CONTEXT_BYTES} bytes in canonical form` });
  }
  return problems;
}

/** The canonical form (sorted keys, no white space, UTF-8): what the AAD binds. */
export function contextBytes(context: EncryptionContext): Buffer {
  return Buffer.from(canonicalBytes(context));
}
