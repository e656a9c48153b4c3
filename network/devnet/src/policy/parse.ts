import { ORDERER_MSP_ID } from '../msp/layout';
import { parsePolicyDsl } from './dsl';
import { astToEnvelope, envelopeToAst } from './envelope';
import {
  ImplicitEndorsementPolicy,
  SignatureEndorsementPolicy,
  type DevnetEndorsementPolicy,
} from './policies';
import { PolicyError, type EndorsementPolicy, type ImplicitRule, type SignaturePolicyAst } from './types';

const IMPLICIT = /^(ANY|ALL|MAJORITY)(\s+Endorsement)?$/i;
/** The peer CLI's `--channel-config-policy` for the channel default. */
const CHANNEL_ENDORSEMENT_PATH = '/Channel/Application/Endorsement';

function checkKnownOrgs(ast: SignaturePolicyAst, mspIds: readonly string[]): void {
  const known = new Set(mspIds);
  for (const principal of ast.principals) {
    if ((principal.kind === 'role' || principal.kind === 'ou') && !known.has(principal.mspId)) {
      const channel = mspIds.filter((id) => id !== ORDERER_MSP_ID).join(', ');
      throw new PolicyError(
        `the policy names organisation '${principal.mspId}', which is not on the channel (${channel})`,
      );
    }
  }
}

/**
 * A chaincode's endorsement policy from its spec: 'MAJORITY' (also '' and '/Channel/Application/Endorsement',
 * the channel default), 'ANY' or 'ALL' of the organisations' peers, or Fabric's policy DSL
 * (`AND('Org1MSP.peer', 'Org2MSP.peer')`, `OR(...)`, `OutOf(2, ...)`; roles member/admin/client/peer/orderer).
 * @throws PolicyError for invalid text, or a DSL policy naming an organisation not in `mspIds`
 *   (Fabric would accept it and fail every transaction; the devnet says so at deploy time)
 */
export function parseEndorsementPolicy(spec: string, mspIds: readonly string[]): DevnetEndorsementPolicy {
  const text = spec.trim();
  if (text === '' || text === CHANNEL_ENDORSEMENT_PATH)
    return new ImplicitEndorsementPolicy('MAJORITY', mspIds);
  const implicit = IMPLICIT.exec(text);
  if (implicit !== null)
    return new ImplicitEndorsementPolicy((implicit[1] ?? 'MAJORITY').toUpperCase() as ImplicitRule, mspIds);
  const ast = parsePolicyDsl(text);
  checkKnownOrgs(ast, mspIds);
  return new SignatureEndorsementPolicy(ast);
}

/**
 * A policy from `common.SignaturePolicyEnvelope` bytes — what fabric-shim's `KeyEndorsementPolicy.getPolicy()`
 * stores as a key's `VALIDATION_PARAMETER`. Organisations not on the channel are allowed (they never sign).
 * @throws PolicyError for bytes Fabric would not compile (bad protobuf, version ≠ 0, index out of range)
 */
export function policyFromSignaturePolicyEnvelope(
  bytes: Uint8Array,
  mspIds: readonly string[],
): DevnetEndorsementPolicy {
  void mspIds;
  return new SignatureEndorsementPolicy(envelopeToAst(bytes));
}

/** `SignaturePolicyEnvelope` bytes for a spec, as `policydsl.FromString` builds them (implicit rules as OutOf over peers). */
export function signaturePolicyEnvelopeFor(spec: string, mspIds: readonly string[]): Uint8Array {
  const policy = parseEndorsementPolicy(spec, mspIds);
  if (policy instanceof SignatureEndorsementPolicy) return astToEnvelope(policy.ast).serializeBinary();
  return policy.envelope();
}

/** Narrows an EndorsementPolicy to the devnet's richer type, if it is one. */
export function isDevnetPolicy(policy: EndorsementPolicy): policy is DevnetEndorsementPolicy {
  return typeof (policy as Partial<DevnetEndorsementPolicy>).evaluateSubjects === 'function';
}
