import { common, msp } from '@hyperledger/fabric-protos';
import {
  PolicyError,
  type Principal,
  type PrincipalRole,
  type SignaturePolicyAst,
  type SignatureRule,
} from './types';

/** Conversion between the policy structure and `common.SignaturePolicyEnvelope` bytes. */

const ROLE_TO_PROTO: Readonly<
  Record<PrincipalRole, msp.MSPRole.MSPRoleTypeMap[keyof msp.MSPRole.MSPRoleTypeMap]>
> = {
  member: msp.MSPRole.MSPRoleType.MEMBER,
  admin: msp.MSPRole.MSPRoleType.ADMIN,
  client: msp.MSPRole.MSPRoleType.CLIENT,
  peer: msp.MSPRole.MSPRoleType.PEER,
  orderer: msp.MSPRole.MSPRoleType.ORDERER,
};
const PROTO_TO_ROLE: ReadonlyMap<number, PrincipalRole> = new Map(
  Object.entries(ROLE_TO_PROTO).map(([role, value]) => [value, role as PrincipalRole]),
);

/** Fabric bounds nesting to keep evaluation cheap; so do we, to refuse hostile bytes. */
const MAX_DEPTH = 64;

function principalToProto(principal: Principal): msp.MSPPrincipal {
  const message = new msp.MSPPrincipal();
  switch (principal.kind) {
    case 'role': {
      const role = new msp.MSPRole();
      role.setMspIdentifier(principal.mspId);
      role.setRole(ROLE_TO_PROTO[principal.role]);
      message.setPrincipalClassification(msp.MSPPrincipal.Classification.ROLE);
      message.setPrincipal(role.serializeBinary());
      break;
    }
    case 'ou': {
      const ou = new msp.OrganizationUnit();
      ou.setMspIdentifier(principal.mspId);
      ou.setOrganizationalUnitIdentifier(principal.ou);
      message.setPrincipalClassification(msp.MSPPrincipal.Classification.ORGANIZATION_UNIT);
      message.setPrincipal(ou.serializeBinary());
      break;
    }
    case 'identity':
      message.setPrincipalClassification(msp.MSPPrincipal.Classification.IDENTITY);
      message.setPrincipal(principal.serialized);
      break;
    case 'unsupported':
      message.setPrincipalClassification(
        principal.classification as msp.MSPPrincipal.ClassificationMap[keyof msp.MSPPrincipal.ClassificationMap],
      );
      message.setPrincipal(principal.bytes);
      break;
  }
  return message;
}

function ruleToProto(rule: SignatureRule): common.SignaturePolicy {
  const message = new common.SignaturePolicy();
  if (rule.type === 'signedBy') {
    message.setSignedBy(rule.index);
  } else {
    const nOutOf = new common.SignaturePolicy.NOutOf();
    nOutOf.setN(rule.n);
    nOutOf.setRulesList(rule.rules.map(ruleToProto));
    message.setNOutOf(nOutOf);
  }
  return message;
}

/** `SignaturePolicyEnvelope{version: 0, rule, identities}` as a message. */
export function astToEnvelope(ast: SignaturePolicyAst): common.SignaturePolicyEnvelope {
  const envelope = new common.SignaturePolicyEnvelope();
  envelope.setVersion(0);
  envelope.setRule(ruleToProto(ast.rule));
  envelope.setIdentitiesList(ast.principals.map(principalToProto));
  return envelope;
}

function principalFromProto(message: msp.MSPPrincipal): Principal {
  const bytes = message.getPrincipal_asU8();
  switch (message.getPrincipalClassification()) {
    case msp.MSPPrincipal.Classification.ROLE: {
      const role = msp.MSPRole.deserializeBinary(bytes);
      const name = PROTO_TO_ROLE.get(role.getRole());
      if (name === undefined) throw new PolicyError(`invalid MSP role type ${role.getRole()}`);
      return { kind: 'role', mspId: role.getMspIdentifier(), role: name };
    }
    case msp.MSPPrincipal.Classification.ORGANIZATION_UNIT: {
      const ou = msp.OrganizationUnit.deserializeBinary(bytes);
      return { kind: 'ou', mspId: ou.getMspIdentifier(), ou: ou.getOrganizationalUnitIdentifier() };
    }
    case msp.MSPPrincipal.Classification.IDENTITY:
      return { kind: 'identity', serialized: bytes };
    default:
      return { kind: 'unsupported', classification: message.getPrincipalClassification(), bytes };
  }
}

function ruleFromProto(
  message: common.SignaturePolicy,
  principalCount: number,
  depth: number,
): SignatureRule {
  if (depth > MAX_DEPTH) throw new PolicyError(`signature policy nested deeper than ${MAX_DEPTH}`);
  if (message.hasNOutOf()) {
    const nOutOf = message.getNOutOf() as common.SignaturePolicy.NOutOf;
    return {
      type: 'outOf',
      n: nOutOf.getN(),
      rules: nOutOf.getRulesList().map((rule) => ruleFromProto(rule, principalCount, depth + 1)),
    };
  }
  if (message.hasSignedBy()) {
    const index = message.getSignedBy();
    if (index < 0 || index >= principalCount) {
      throw new PolicyError(
        `identity index out of range, requested ${index}, but identities length is ${principalCount}`,
      );
    }
    return { type: 'signedBy', index };
  }
  throw new PolicyError('unknown signature policy type');
}

/**
 * Parses `SignaturePolicyEnvelope` bytes, checking what Fabric's cauthdsl checks when compiling.
 * @throws PolicyError
 */
export function envelopeToAst(bytes: Uint8Array): SignaturePolicyAst {
  let envelope: common.SignaturePolicyEnvelope;
  try {
    envelope = common.SignaturePolicyEnvelope.deserializeBinary(bytes);
  } catch (error) {
    throw new PolicyError(`error unmarshalling to SignaturePolicy: ${(error as Error).message}`);
  }
  if (envelope.getVersion() !== 0) {
    throw new PolicyError(
      `This evaluator only understands messages of version 0, but version was ${envelope.getVersion()}`,
    );
  }
  const rule = envelope.getRule();
  if (rule === undefined) throw new PolicyError('empty policy element');
  let principals: Principal[];
  try {
    principals = envelope.getIdentitiesList().map(principalFromProto);
  } catch (error) {
    if (error instanceof PolicyError) throw error;
    throw new PolicyError(`error unmarshalling principal: ${(error as Error).message}`);
  }
  return { principals, rule: ruleFromProto(rule, principals.length, 0) };
}
