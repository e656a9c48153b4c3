import { peer } from '@hyperledger/fabric-protos';
import {
  ProposalFormatError,
  ProposalValidationError,
  unpackProposal,
  validateProposal,
} from '../../src/endorser/proposal';
import { makeMaterial, signedProposal, userOf, type Material } from './fixtures';

describe('proposal checks (core/endorser/msgvalidation.go)', () => {
  let m: Material;
  let other: Material;

  beforeAll(async () => {
    m = await makeMaterial(2);
    other = await makeMaterial(1);
  });

  afterAll(async () => {
    await m.cleanup();
    await other.cleanup();
  });

  it('unpacks and validates a proposal built as fabric-gateway builds it', () => {
    const up = unpackProposal(
      signedProposal(userOf(m.material, 1), { args: ['put', 'k'], transient: { t: 'x' } }),
    );
    expect(up.chaincodeName).toBe('cc');
    expect(up.creatorMspId).toBe('Org2MSP');
    expect(up.hasTransientData).toBe(true);
    expect(up.args.map((a) => Buffer.from(a).toString())).toEqual(['put', 'k']);
    expect(validateProposal(up, m.msp).mspId).toBe('Org2MSP');
  });

  it('refuses malformed proposals with Fabric-like messages', () => {
    expect(() => unpackProposal(undefined)).toThrow(ProposalFormatError);
    expect(() => unpackProposal(undefined)).toThrow('a signed proposal is required');
    const garbage = new peer.SignedProposal();
    garbage.setProposalBytes(Buffer.from([0xff, 0xff, 0xff]));
    expect(() => unpackProposal(garbage)).toThrow(ProposalFormatError);
    expect(() => unpackProposal(signedProposal(userOf(m.material), { channelId: '' }))).toThrow(
      'no channel id provided',
    );
  });

  it('checks epoch, tx id, creator and signature', () => {
    const user = userOf(m.material);
    expect(() => validateProposal(unpackProposal(signedProposal(user, { epoch: 1 })), m.msp)).toThrow(
      /invalid Epoch/,
    );
    expect(() => validateProposal(unpackProposal(signedProposal(user, { txId: 'abc' })), m.msp)).toThrow(
      /incorrectly computed txid 'abc'/,
    );

    const tampered = signedProposal(user);
    const bytes = Buffer.from(tampered.getProposalBytes_asU8());
    tampered.setSignature(userOf(m.material, 1).sign(bytes));
    expect(() => validateProposal(unpackProposal(tampered), m.msp)).toThrow(
      new ProposalValidationError('access denied: channel [mychannel] creator org [Org1MSP]'),
    );

    const foreign = signedProposal(userOf(other.material));
    expect(() => validateProposal(unpackProposal(foreign), m.msp)).toThrow(
      'access denied: channel [mychannel] creator org [Org1MSP]',
    );
  });
});
