import { organizationalUnits } from '../msp/manager';
import type { Identity } from '../msp/types';
import type { Principal, PolicySubject, SignaturePolicyAst, SignatureRule } from './types';

/**
 * Signature policy evaluation as Fabric's cauthdsl does it (`common/cauthdsl/cauthdsl.go`):
 * signers are deduplicated by identity, each signer may satisfy at most one principal, and gates
 * are evaluated greedily left to right — a sub-rule that succeeds consumes the signers it used,
 * a sub-rule that fails consumes none. Greedy means a policy such as AND('A.member', 'A.peer')
 * fails for [peerA, clientA] in Fabric (the member principal takes the peer first); so it does here.
 */

/** The policy-relevant facts of a validated identity. */
export function subjectOf(identity: Identity): PolicySubject {
  return {
    mspId: identity.mspId,
    role: identity.role,
    ous: organizationalUnits(identity.certificate),
    serialized: identity.serialized,
  };
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return (
    a.length === b.length &&
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
      Buffer.from(b.buffer, b.byteOffset, b.byteLength),
    )
  );
}

/** `identity.SatisfiesPrincipal` for an X.509 MSP with NodeOUs. */
export function satisfiesPrincipal(subject: PolicySubject, principal: Principal): boolean {
  switch (principal.kind) {
    case 'role':
      if (subject.mspId !== principal.mspId) return false;
      // With NodeOUs, any valid identity of the MSP is a member; the other roles need their OU.
      return principal.role === 'member' || subject.role === principal.role;
    case 'ou':
      return subject.mspId === principal.mspId && subject.ous.includes(principal.ou);
    case 'identity':
      return bytesEqual(subject.serialized, principal.serialized);
    case 'unsupported':
      return false;
  }
}

/** Removes repeated signers (same serialised identity), keeping the first occurrence, as Fabric does. */
export function deduplicate(subjects: readonly PolicySubject[]): PolicySubject[] {
  const seen = new Set<string>();
  return subjects.filter((subject) => {
    const key = Buffer.from(subject.serialized).toString('base64');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function evaluateRule(
  rule: SignatureRule,
  principals: readonly Principal[],
  subjects: readonly PolicySubject[],
  used: boolean[],
): boolean {
  if (rule.type === 'signedBy') {
    const principal = principals[rule.index];
    if (principal === undefined) return false;
    for (let i = 0; i < subjects.length; i++) {
      const subject = subjects[i];
      if (used[i] === true || subject === undefined) continue;
      if (satisfiesPrincipal(subject, principal)) {
        used[i] = true;
        return true;
      }
    }
    return false;
  }
  let verified = 0;
  for (const sub of rule.rules) {
    const scratch = used.slice();
    if (evaluateRule(sub, principals, subjects, scratch)) {
      verified++;
      for (let i = 0; i < used.length; i++) used[i] = scratch[i] === true;
    }
  }
  return verified >= rule.n;
}

/** Evaluates a signature policy against signers whose signatures were already verified. */
export function evaluateSignaturePolicy(
  ast: SignaturePolicyAst,
  subjects: readonly PolicySubject[],
): boolean {
  const unique = deduplicate(subjects);
  return evaluateRule(ast.rule, ast.principals, unique, new Array<boolean>(unique.length).fill(false));
}
