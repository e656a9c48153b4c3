import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { common, msp as mspProto } from '@hyperledger/fabric-protos';
import { KeyEndorsementPolicy } from 'fabric-shim';
import {
  createMspManager,
  ensureNetworkMaterial,
  issueIdentity,
  serializeIdentity,
  type Identity,
  type NetworkMaterial,
} from '../../src/msp';
import {
  NO_PLAN_MESSAGE,
  PolicyError,
  endorsementPlan,
  parseEndorsementPolicy,
  policyFromSignaturePolicyEnvelope,
  signaturePolicyEnvelopeFor,
} from '../../src/policy';

const ORGS = ['Org1MSP', 'Org2MSP', 'Org3MSP'];

let dataDir: string;
let material: NetworkMaterial;
const ids: Record<string, Identity> = {};

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'devnet-policy-'));
  material = await ensureNetworkMaterial(dataDir, 3);
  const manager = createMspManager(material);
  const identity = (mspId: string, certPem: string): Identity =>
    manager.deserializeIdentity(serializeIdentity(mspId, certPem));
  material.orgs.forEach((org, i) => {
    ids[`P${i + 1}`] = identity(org.mspId, org.peer.certPem);
    ids[`C${i + 1}`] = identity(org.mspId, org.user.certPem);
    ids[`A${i + 1}`] = identity(org.mspId, org.admin.certPem);
  });
  const org1 = material.orgs[0];
  if (org1 === undefined) throw new Error('no org1');
  ids.P1b = identity('Org1MSP', (await issueIdentity(org1, 'peer1', 'peer')).certPem);
  ids.O = identity('OrdererMSP', material.orderer.certPem);
});

afterAll(async () => {
  await fs.rm(dataDir, { recursive: true, force: true });
});

function signers(names: string): Identity[] {
  return names
    .split(/\s+/)
    .filter((n) => n !== '')
    .map((name) => {
      const found = ids[name];
      if (found === undefined) throw new Error(`no identity ${name}`);
      return found;
    });
}

describe('endorsement policy evaluation', () => {
  // policy × endorser set → satisfied?
  const matrix: [string, string, boolean][] = [
    ['MAJORITY', '', false],
    ['MAJORITY', 'P1', false],
    ['MAJORITY', 'P1 P2', true],
    ['MAJORITY', 'P3 P1', true],
    ['MAJORITY', 'P1 P1', false], // the same signer twice counts once
    ['MAJORITY', 'P1 P1b', false], // two peers of one org are one org
    ['MAJORITY', 'C1 C2', false], // clients are not peers
    ['MAJORITY', 'A1 A2', false],
    ['MAJORITY', 'P1 O', false],
    ['ANY', 'P3', true],
    ['ANY', 'C3', false],
    ['ANY', '', false],
    ['ALL', 'P1 P2', false],
    ['ALL', 'P1 P2 P3', true],
    ["AND('Org1MSP.peer', 'Org2MSP.peer')", 'P1 P2', true],
    ["AND('Org1MSP.peer', 'Org2MSP.peer')", 'P2 P1', true],
    ["AND('Org1MSP.peer', 'Org2MSP.peer')", 'P1 P3', false],
    ["AND('Org1MSP.peer', 'Org2MSP.peer')", 'P1 C2', false],
    ["OR('Org1MSP.member', 'Org2MSP.admin')", 'C1', true],
    ["OR('Org1MSP.member', 'Org2MSP.admin')", 'A2', true],
    ["OR('Org1MSP.member', 'Org2MSP.admin')", 'P2', false],
    ["OR('Org1MSP.client')", 'C1', true],
    ["OR('Org1MSP.client')", 'P1', false],
    ["OR('Org1MSP.admin')", 'A1', true],
    ["OR('Org1MSP.admin')", 'P1', false],
    ["OR('OrdererMSP.orderer')", 'O', true],
    ["OutOf(2, 'Org1MSP.peer', 'Org2MSP.peer', 'Org3MSP.peer')", 'P2 P3', true],
    ["OutOf(2, 'Org1MSP.peer', 'Org2MSP.peer', 'Org3MSP.peer')", 'P3', false],
    ["OutOf(2, 'Org1MSP.peer', 'Org2MSP.peer', 'Org3MSP.peer')", 'P3 C1 C2', false],
    // Each signer satisfies at most one principal.
    ["AND('Org1MSP.peer', 'Org1MSP.peer')", 'P1', false],
    ["AND('Org1MSP.peer', 'Org1MSP.peer')", 'P1 P1b', true],
    ["AND('Org1MSP.member', 'Org1MSP.member')", 'P1 P1', false],
    // Fabric's greedy evaluation: 'member' takes the first Org1 signer; order matters.
    ["AND('Org1MSP.member', 'Org1MSP.peer')", 'C1 P1', true],
    ["AND('Org1MSP.member', 'Org1MSP.peer')", 'P1 C1', false],
    ["OR(AND('Org1MSP.peer', 'Org2MSP.peer'), 'Org3MSP.admin')", 'A3', true],
    ["OR(AND('Org1MSP.peer', 'Org2MSP.peer'), 'Org3MSP.admin')", 'P1 P2', true],
    ["OR(AND('Org1MSP.peer', 'Org2MSP.peer'), 'Org3MSP.admin')", 'P1 P3', false],
    ["OutOf(0, 'Org1MSP.peer', 'Org2MSP.peer')", '', true],
    ["OutOf(3, 'Org1MSP.peer', 'Org2MSP.peer')", 'P1 P2', false], // t = n+1: never satisfied (immutable keys)
  ];

  it.each(matrix)('%s with [%s] → %s', (spec, names, expected) => {
    expect(parseEndorsementPolicy(spec, [...ORGS, 'OrdererMSP']).evaluate(signers(names))).toBe(expected);
  });

  it('explains failures as Fabric reports them', () => {
    const majority = parseEndorsementPolicy('MAJORITY', ORGS);
    expect(majority.explain(signers('P1'))).toBe(
      "implicit policy evaluation failed - 1 sub-policies were satisfied, but this policy requires 2 of the 'Endorsement' sub-policies to be satisfied",
    );
    expect(majority.explain(signers('P1 P2'))).toBeUndefined();
    expect(parseEndorsementPolicy("AND('Org1MSP.peer', 'Org2MSP.peer')", ORGS).explain(signers('P1'))).toBe(
      'signature set did not satisfy policy',
    );
  });

  it('reads the channel default and the implicit keywords in any case', () => {
    expect(parseEndorsementPolicy('', ORGS).text).toBe('MAJORITY');
    expect(parseEndorsementPolicy('/Channel/Application/Endorsement', ORGS).text).toBe('MAJORITY');
    expect(parseEndorsementPolicy('any', ORGS).text).toBe('ANY');
    expect(parseEndorsementPolicy('MAJORITY Endorsement', ORGS).text).toBe('MAJORITY');
    // OrdererMSP in the list is not an application organisation.
    const withOrderer = parseEndorsementPolicy('ALL', [...ORGS, 'OrdererMSP']);
    expect(withOrderer.evaluate(signers('P1 P2 P3'))).toBe(true);
  });

  it('renders canonical DSL text', () => {
    expect(parseEndorsementPolicy('and ( \'Org1MSP.peer\' , "Org2MSP.peer" )', ORGS).text).toBe(
      "AND('Org1MSP.peer', 'Org2MSP.peer')",
    );
    expect(
      parseEndorsementPolicy("OutOf('2', 'Org1MSP.peer', 'Org2MSP.peer', 'Org3MSP.member')", ORGS).text,
    ).toBe("OutOf(2, 'Org1MSP.peer', 'Org2MSP.peer', 'Org3MSP.member')");
    expect(parseEndorsementPolicy("Or('Org1MSP.peer', AND('Org2MSP.peer', 'Org3MSP.peer'))", ORGS).text).toBe(
      "OR('Org1MSP.peer', AND('Org2MSP.peer', 'Org3MSP.peer'))",
    );
  });
});

describe('policy DSL errors', () => {
  const cases: [string, string | RegExp][] = [
    ["OR('Org1MSP.member', Bmember)", "unrecognized token 'Bmember' in policy string"],
    ["OR('Org1MSP.member', 'Bmember')", "unrecognized token 'Bmember' in policy string"],
    ['OutOf(1)', 'expected at least two arguments to NOutOf. Given 1'],
    ["OutOf(-1, 'Org1MSP.member', 'Org2MSP.member')", 'invalid t-out-of-n predicate, t -1, n 2'],
    ["OutOf(4, 'Org1MSP.member', 'Org2MSP.member')", 'invalid t-out-of-n predicate, t 4, n 2'],
    ["AND('Org1MSP.peer'", 'Unexpected end of expression'],
    ['1', "invalid policy string '1'"],
    ["XOR('Org1MSP.peer')", "invalid policy string 'XOR('Org1MSP.peer')'"],
    [
      "AND('Org1MSP.peer', 'Org9MSP.peer')",
      "the policy names organisation 'Org9MSP', which is not on the channel (Org1MSP, Org2MSP, Org3MSP)",
    ],
    ["AND('Org1MSP.peer') junk", /unexpected 'junk'/],
  ];
  it.each(cases)('%s → %s', (spec, message) => {
    expect(() => parseEndorsementPolicy(spec, ORGS)).toThrow(PolicyError);
    expect(() => parseEndorsementPolicy(spec, ORGS)).toThrow(message);
  });
});

describe('SignaturePolicyEnvelope', () => {
  function role(mspId: string, value: 0 | 1 | 2 | 3 | 4): mspProto.MSPPrincipal {
    const r = new mspProto.MSPRole();
    r.setMspIdentifier(mspId);
    r.setRole(value);
    const p = new mspProto.MSPPrincipal();
    p.setPrincipalClassification(mspProto.MSPPrincipal.Classification.ROLE);
    p.setPrincipal(r.serializeBinary());
    return p;
  }
  function signedBy(index: number): common.SignaturePolicy {
    const p = new common.SignaturePolicy();
    p.setSignedBy(index);
    return p;
  }
  function outOf(n: number, rules: common.SignaturePolicy[]): common.SignaturePolicy {
    const nOutOf = new common.SignaturePolicy.NOutOf();
    nOutOf.setN(n);
    nOutOf.setRulesList(rules);
    const p = new common.SignaturePolicy();
    p.setNOutOf(nOutOf);
    return p;
  }

  it("matches policydsl.FromString byte for byte, numbering nested gates' principals first (TestComplex1)", () => {
    const expected = new common.SignaturePolicyEnvelope();
    expected.setVersion(0);
    // FromString("OR('A.member', AND('B.member', 'C.member'))") → identities [B, C, A], Or(SignedBy(2), And(SignedBy(0), SignedBy(1)))
    expected.setIdentitiesList([role('Org2MSP', 0), role('Org3MSP', 0), role('Org1MSP', 0)]);
    expected.setRule(outOf(1, [signedBy(2), outOf(2, [signedBy(0), signedBy(1)])]));
    const bytes = signaturePolicyEnvelopeFor(
      "OR('Org1MSP.member', AND('Org2MSP.member', 'Org3MSP.member'))",
      ORGS,
    );
    expect(Buffer.from(bytes).toString('hex')).toBe(Buffer.from(expected.serializeBinary()).toString('hex'));
  });

  it('round-trips the DSL through envelope bytes', () => {
    const spec = "OutOf(2, 'Org1MSP.peer', OR('Org2MSP.admin', 'Org2MSP.client'), 'Org3MSP.member')";
    const policy = policyFromSignaturePolicyEnvelope(signaturePolicyEnvelopeFor(spec, ORGS), ORGS);
    expect(policy.text).toBe(spec);
    expect(policy.evaluate(signers('P1 C2'))).toBe(true);
    expect(policy.evaluate(signers('P1'))).toBe(false);
  });

  it('gives MAJORITY as an equivalent OutOf over the peers', () => {
    const policy = policyFromSignaturePolicyEnvelope(signaturePolicyEnvelopeFor('MAJORITY', ORGS), ORGS);
    expect(policy.text).toBe("OutOf(2, 'Org1MSP.peer', 'Org2MSP.peer', 'Org3MSP.peer')");
  });

  it('evaluates KeyEndorsementPolicy bytes written by fabric-shim (state-based endorsement)', () => {
    const keyPolicy = new KeyEndorsementPolicy();
    keyPolicy.addOrgs('PEER', 'Org1MSP', 'Org3MSP');
    const policy = policyFromSignaturePolicyEnvelope(keyPolicy.getPolicy(), ORGS);
    expect(policy.text).toBe("AND('Org1MSP.peer', 'Org3MSP.peer')");
    expect(policy.evaluate(signers('P1 P3'))).toBe(true);
    expect(policy.evaluate(signers('P1 P2'))).toBe(false);
    expect(policy.evaluate(signers('P1 C3'))).toBe(false);

    const members = new KeyEndorsementPolicy();
    members.addOrgs('MEMBER', 'Org2MSP');
    const memberPolicy = policyFromSignaturePolicyEnvelope(members.getPolicy(), ORGS);
    expect(memberPolicy.evaluate(signers('C2'))).toBe(true);
    expect(memberPolicy.evaluate(signers('C1'))).toBe(false);
  });

  it('produces envelopes fabric-shim KeyEndorsementPolicy reads back', () => {
    const bytes = signaturePolicyEnvelopeFor("AND('Org1MSP.peer', 'Org3MSP.member')", ORGS);
    const keyPolicy = new KeyEndorsementPolicy(bytes);
    expect(keyPolicy.listOrgs().sort()).toEqual(['Org1MSP', 'Org3MSP']);
    // …and what it writes after editing is still understood.
    keyPolicy.delOrgs('Org3MSP');
    expect(policyFromSignaturePolicyEnvelope(keyPolicy.getPolicy(), ORGS).evaluate(signers('P1'))).toBe(true);
  });

  it('refuses bytes Fabric would not compile', () => {
    const badVersion = new common.SignaturePolicyEnvelope();
    badVersion.setVersion(1);
    badVersion.setRule(signedBy(0));
    badVersion.setIdentitiesList([role('Org1MSP', 3)]);
    expect(() => policyFromSignaturePolicyEnvelope(badVersion.serializeBinary(), ORGS)).toThrow(
      'only understands messages of version 0',
    );
    const outOfRange = new common.SignaturePolicyEnvelope();
    outOfRange.setRule(signedBy(1));
    outOfRange.setIdentitiesList([role('Org1MSP', 3)]);
    expect(() => policyFromSignaturePolicyEnvelope(outOfRange.serializeBinary(), ORGS)).toThrow(
      /identity index out of range/,
    );
    const noRule = new common.SignaturePolicyEnvelope();
    expect(() => policyFromSignaturePolicyEnvelope(noRule.serializeBinary(), ORGS)).toThrow(PolicyError);
    expect(() => policyFromSignaturePolicyEnvelope(new Uint8Array([0xff, 0xff]), ORGS)).toThrow(PolicyError);
  });

  it('honours IDENTITY principals (exact signer) in key-level policies', () => {
    const principal = new mspProto.MSPPrincipal();
    principal.setPrincipalClassification(mspProto.MSPPrincipal.Classification.IDENTITY);
    principal.setPrincipal((ids.P2 as Identity).serialized);
    const envelope = new common.SignaturePolicyEnvelope();
    envelope.setRule(signedBy(0));
    envelope.setIdentitiesList([principal]);
    const policy = policyFromSignaturePolicyEnvelope(envelope.serializeBinary(), ORGS);
    expect(policy.evaluate(signers('P2'))).toBe(true);
    expect(policy.evaluate(signers('P1 P3 C2'))).toBe(false);
  });
});

describe('endorsement plan', () => {
  const cases: [string, string[], string[]][] = [
    ['MAJORITY', [], ['Org1MSP', 'Org2MSP']],
    ['MAJORITY', ['Org3MSP'], ['Org3MSP', 'Org1MSP']],
    ['ANY', ['Org2MSP'], ['Org2MSP']],
    ['ANY', [], ['Org1MSP']],
    ['ALL', ['Org2MSP'], ['Org2MSP', 'Org1MSP', 'Org3MSP']],
    ["AND('Org1MSP.peer', 'Org3MSP.peer')", ['Org2MSP'], ['Org1MSP', 'Org3MSP']],
    ["OR('Org1MSP.peer', 'Org3MSP.member')", ['Org3MSP'], ['Org3MSP']],
    ["OR(AND('Org1MSP.peer', 'Org2MSP.peer'), 'Org3MSP.peer')", [], ['Org3MSP']],
    [
      "OutOf(2, 'Org1MSP.peer', 'Org2MSP.peer', 'Org3MSP.peer')",
      ['Org2MSP', 'Org3MSP'],
      ['Org2MSP', 'Org3MSP'],
    ],
    ["OutOf(0, 'Org1MSP.peer', 'Org2MSP.peer')", ['Org2MSP'], ['Org2MSP']],
    ['ANY', ['Org9MSP'], ['Org1MSP']],
  ];
  it.each(cases)('%s preferring %j → %j', (spec, preferred, expected) => {
    const policy = parseEndorsementPolicy(spec, ORGS);
    expect(endorsementPlan(policy, ORGS, preferred)).toEqual(expected);
  });

  it('refuses policies no set of peers satisfies', () => {
    for (const spec of [
      "OR('Org1MSP.admin')",
      "AND('Org1MSP.peer', 'Org1MSP.peer')",
      "OutOf(3, 'Org1MSP.peer', 'Org2MSP.peer')",
    ]) {
      expect(() => endorsementPlan(parseEndorsementPolicy(spec, ORGS), ORGS)).toThrow(NO_PLAN_MESSAGE);
    }
  });

  it('stays fast and minimal with many organisations', () => {
    const many = Array.from({ length: 40 }, (_, i) => `Org${i + 1}MSP`);
    const plan = endorsementPlan(parseEndorsementPolicy('MAJORITY', many), many, ['Org40MSP']);
    expect(plan).toHaveLength(21);
    expect(plan[0]).toBe('Org40MSP');
  });

  it('plans key-level policies from fabric-shim too', () => {
    const keyPolicy = new KeyEndorsementPolicy();
    keyPolicy.addOrgs('PEER', 'Org2MSP', 'Org3MSP');
    expect(
      endorsementPlan(policyFromSignaturePolicyEnvelope(keyPolicy.getPolicy(), ORGS), ORGS, ['Org1MSP']),
    ).toEqual(['Org2MSP', 'Org3MSP']);
  });
});
