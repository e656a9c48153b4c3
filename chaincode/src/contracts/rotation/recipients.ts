import type { MemberIdentity } from './types';

/** `mspId/fingerprint`, the reference format of `lib/members.memberRef`. */
export function refOf(identity: MemberIdentity): string {
  return `${identity.mspId}/${identity.fingerprint}`;
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
  const expected = new Set(frontends.map(refOf));
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  const extra = new Set<string>();
  for (const recipient of recipients) {
    const ref = refOf(recipient);
    if (seen.has(ref)) {
      duplicates.add(ref);
    }
    seen.add(ref);
    if (!expected.has(ref)) {
      extra.add(ref);
    }
  }
  const missing = [...expected].filter((ref) => !seen.has(ref));
  if (missing.length === 0 && extra.size === 0 && duplicates.size === 0) {
    return undefined;
  }
  return { missing, extra: [...extra], duplicates: [...duplicates] };
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
