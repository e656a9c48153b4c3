import { memberRef } from '../../protocol';
import type { MemberIdentity } from '../../protocol/rotation';

/** Identities named more than once, in first-seen order. */
export function duplicateRecipients(recipients: readonly MemberIdentity[]): string[] {
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const ref of recipients.map(memberRef)) {
    if (seen.has(ref)) {
      duplicates.add(ref);
    }
    seen.add(ref);
  }
  return [...duplicates];
}

export interface RecipientMismatch {
  /** Active front-ends without a wrapped key. */
  readonly missing: string[];
  /** Entries for identities that are not active front-ends. */
  readonly extra: string[];
  /** Front-ends named more than once. */
  readonly duplicates: string[];
}

/**
 * Compares the recipients of a proposal with the active front-ends: every front-end must get exactly one
 * wrapped key and nobody else may get one. Returns undefined when they match.
 */
export function recipientMismatch(
  recipients: readonly MemberIdentity[],
  frontends: readonly MemberIdentity[],
): RecipientMismatch | undefined {
  const expected = new Set(frontends.map(memberRef));
  const named = new Set(recipients.map(memberRef));
  const missing = [...expected].filter((ref) => !named.has(ref));
  const extra = [...named].filter((ref) => !expected.has(ref));
  const duplicates = duplicateRecipients(recipients);
  if (missing.length === 0 && extra.length === 0 && duplicates.length === 0) {
    return undefined;
  }
  return { missing, extra, duplicates };
}

export function describeMismatch(mismatch: RecipientMismatch): string {
  const parts: string[] = [];
  if (mismatch.missing.length > 0) {
    parts.push(`missing front-end(s) ${mismatch.missing.join(', ')}`);
  }
  if (mismatch.extra.length > 0) {
    parts.push(`not an active front-end: ${mismatch.extra.join(', ')}`);
  }
  if (mismatch.duplicates.length > 0) {
    parts.push(`named more than once: ${mismatch.duplicates.join(', ')}`);
  }
  return parts.join('; ');
}
