import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { common, msp, orderer } from '@hyperledger/fabric-protos';
import {
  BlockChainError,
  blockHeaderBytes,
  blockHeaderHash,
  computeDataHash,
  decodeConfigBlock,
  encodeBlockHeader,
  genesisConfigBlock,
  lastConfigIndex,
  newBlock,
  signBlock,
  verifyBlockSignature,
  verifyChain,
} from '../../src/blocks';
import {
  createMspManager,
  createMspManagerFromDefinitions,
  ensureNetworkMaterial,
  isLowS,
  serializeIdentity,
  signingIdentityFrom,
  type NetworkMaterial,
} from '../../src/msp';
import { policyFromSignaturePolicyEnvelope } from '../../src/policy';

const sha256 = (data: Uint8Array | string): Buffer => createHash('sha256').update(data).digest();
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const unhex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text.replace(/\s+/g, ''), 'hex'));

function header(number: number, previousHash: Uint8Array, dataHash: Uint8Array): common.BlockHeader {
  const h = new common.BlockHeader();
  h.setNumber(number);
  h.setPreviousHash(previousHash);
  h.setDataHash(dataHash);
  return h;
}

describe('block header hash (protoutil.BlockHeaderBytes / BlockHeaderHash)', () => {
  it('matches a vector built by hand from the ASN.1 DER rules', () => {
    // Block 0 as Fabric makes it: previous_hash nil, data_hash = SHA-256 of no envelopes.
    const dataHash = sha256('');
    // SEQUENCE (0x30) of 39 bytes:
    //   INTEGER 0           → 02 01 00          (Go encodes big.Int zero as one 0x00 byte, never as an empty INTEGER)
    //   OCTET STRING (nil)  → 04 00
    //   OCTET STRING (32 B) → 04 20 <data_hash>
    // 3 + 2 + 34 = 39 = 0x27, below 128 so the length is one byte (short form).
    const expected = unhex('3027' + '020100' + '0400' + '0420' + dataHash.toString('hex'));
    const h = header(0, new Uint8Array(), dataHash);
    expect(hex(blockHeaderBytes(h))).toBe(hex(expected));
    expect(hex(blockHeaderHash(h))).toBe(hex(sha256(expected)));
  });

  it('encodes block numbers as Go asn1 encodes a *big.Int: minimal, with a 0x00 pad when the top bit is set', () => {
    const integer = (n: bigint): string =>
      hex(encodeBlockHeader(n, new Uint8Array(), new Uint8Array())).slice(4, -8);
    expect(integer(0n)).toBe('020100');
    expect(integer(1n)).toBe('020101');
    expect(integer(127n)).toBe('02017f');
    expect(integer(128n)).toBe('02020080');
    expect(integer(255n)).toBe('020200ff');
    expect(integer(256n)).toBe('02020100');
    expect(integer(32768n)).toBe('0203008000');
    expect(integer(2n ** 31n)).toBe('02050080000000');
    expect(integer(2n ** 53n - 1n)).toBe('02071fffffffffffff');
    expect(integer(2n ** 63n)).toBe('0209008000000000000000');
    expect(integer(2n ** 64n - 1n)).toBe('020900ffffffffffffffff');
    expect(() => encodeBlockHeader(2n ** 64n, new Uint8Array(), new Uint8Array())).toThrow(RangeError);
    // A number from the protobuf header encodes the same as the bigint.
    expect(hex(blockHeaderBytes(header(300, new Uint8Array(), new Uint8Array())))).toBe(
      hex(encodeBlockHeader(300n, new Uint8Array(), new Uint8Array())),
    );
  });

  it('agrees with a header hash observed on a Fabric 2.5 network', () => {
    // Golden value published in a public Fabric client's tests (captured via QSCC GetChainInfo on Fabric 2.5.15:
    // CurrentBlockHash at height 29 is the header hash of block 28).
    const previous = unhex('003ef1053b17f9cf286bd087f03dbd72cddb7c1fb8f2e680128c32e5c6db6b8d');
    const data = unhex('9cd1500e262501b40b0c9c7dba2dc17fd7282d3b9f91c04f26f6564d774d3655');
    expect(hex(blockHeaderHash(header(28, previous, data)))).toBe(
      '5f896f60ee4a5a755dacd92ba162a707299621442683754c2469de8a123c43da',
    );
  });

  it('hashes block data as SHA-256 of the concatenated envelopes', () => {
    const a = Buffer.from('first envelope');
    const b = Buffer.from('second');
    expect(hex(computeDataHash([a, b]))).toBe(hex(sha256(Buffer.concat([a, b]))));
    expect(hex(computeDataHash([]))).toBe(hex(sha256('')));
  });
});

describe('blocks, signatures and the chain', () => {
  let dataDir: string;
  let material: NetworkMaterial;

  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'devnet-blocks-'));
    material = await ensureNetworkMaterial(dataDir, 3);
  });

  afterAll(async () => {
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  function chain(length: number): common.Block[] {
    const blocks = [genesisConfigBlock('mychannel', material, 1_700_000_000_123)];
    const signer = signingIdentityFrom(material.orderer);
    for (let n = 1; n < length; n++) {
      const previous = blocks[n - 1]?.getHeader();
      if (previous === undefined) throw new Error('no header');
      blocks.push(
        signBlock(
          newBlock(n, blockHeaderHash(previous), [Buffer.from(`tx ${n}a`), Buffer.from(`tx ${n}b`)]),
          signer,
          0,
        ),
      );
    }
    return blocks;
  }

  it('builds blocks with five metadata slots and the data hash in the header', () => {
    const envelopes = [Buffer.from('e1'), Buffer.from('e2')];
    const block = newBlock(7, sha256('prev'), envelopes);
    expect(block.getHeader()?.getNumber()).toBe(7);
    expect(hex(block.getHeader()?.getDataHash_asU8() ?? new Uint8Array())).toBe(
      hex(computeDataHash(envelopes)),
    );
    expect(block.getMetadata()?.getMetadataList()).toHaveLength(5);
    expect(
      block
        .getData()
        ?.getDataList_asU8()
        .map((e) => Buffer.from(e).toString()),
    ).toEqual(['e1', 'e2']);
  });

  it('signs blocks as the orderer does and the signature verifies against OrdererMSP', () => {
    const block = newBlock(3, sha256('prev'), [Buffer.from('e')]);
    const before = hex(blockHeaderHash(block.getHeader() as common.BlockHeader));
    const returned = signBlock(block, signingIdentityFrom(material.orderer), 2);
    expect(returned).toBe(block);
    // Metadata is not part of the header hash.
    expect(hex(blockHeaderHash(block.getHeader() as common.BlockHeader))).toBe(before);

    const slots = block.getMetadata()?.getMetadataList_asU8() ?? [];
    expect(slots).toHaveLength(5);
    const signatures = common.Metadata.deserializeBinary(
      slots[common.BlockMetadataIndex.SIGNATURES] as Uint8Array,
    );
    const value = common.OrdererBlockMetadata.deserializeBinary(signatures.getValue_asU8());
    expect(value.getLastConfig()?.getIndex()).toBe(2);
    expect(signatures.getSignaturesList()).toHaveLength(1);
    const entry = signatures.getSignaturesList()[0] as common.MetadataSignature;
    const signatureHeader = common.SignatureHeader.deserializeBinary(entry.getSignatureHeader_asU8());
    expect(hex(signatureHeader.getCreator_asU8())).toBe(
      hex(serializeIdentity('OrdererMSP', material.orderer.certPem)),
    );
    expect(signatureHeader.getNonce_asU8()).toHaveLength(24);
    expect(isLowS(entry.getSignature_asU8())).toBe(true);
    const lastConfig = common.Metadata.deserializeBinary(
      slots[common.BlockMetadataIndex.LAST_CONFIG] as Uint8Array,
    );
    expect(common.LastConfig.deserializeBinary(lastConfig.getValue_asU8()).getIndex()).toBe(2);
    expect(lastConfigIndex(block)).toBe(2);

    const manager = createMspManager(material);
    expect(verifyBlockSignature(block, manager)).toBe(true);
    block.getHeader()?.setNumber(4);
    expect(verifyBlockSignature(block, manager)).toBe(false);
  });

  it('verifies an intact chain', () => {
    expect(() => verifyChain(chain(5))).not.toThrow();
    expect(() => verifyChain([])).not.toThrow();
  });

  it('names the first block whose data no longer matches its data_hash', () => {
    const blocks = chain(5);
    blocks[2]?.getData()?.setDataList([Buffer.from('tx 2a'), Buffer.from('forged')]);
    expect(() => verifyChain(blocks)).toThrow(BlockChainError);
    expect(() => verifyChain(blocks)).toThrow(
      /^block 2: data_hash [0-9a-f]{64} does not match the hash of its data/,
    );
  });

  it('names the block after a block whose header was rewritten consistently', () => {
    const blocks = chain(5);
    // Forge block 1 completely (new data and a matching data_hash): block 2's previous_hash exposes it.
    const forged = [Buffer.from('forged tx')];
    blocks[1]?.getData()?.setDataList(forged);
    blocks[1]?.getHeader()?.setDataHash(computeDataHash(forged));
    let error: BlockChainError | undefined;
    try {
      verifyChain(blocks);
    } catch (caught) {
      error = caught as BlockChainError;
    }
    expect(error?.blockNumber).toBe(2);
    expect(error?.message).toMatch(
      /^block 2: previous_hash [0-9a-f]{64} does not match the header hash of block 1/,
    );
  });

  it('detects a tampered previous_hash and a gap in the numbering', () => {
    const blocks = chain(4);
    blocks[3]?.getHeader()?.setPreviousHash(sha256('elsewhere'));
    expect(() => verifyChain(blocks)).toThrow(/^block 3: previous_hash/);
    const gap = chain(4);
    expect(() => verifyChain([gap[0], gap[1], gap[3]] as common.Block[])).toThrow(
      'block 3 follows block 1; expected block 2',
    );
  });

  describe('genesis config block', () => {
    it('is block 0 with one CONFIG envelope, no previous hash and last config 0', () => {
      const block = genesisConfigBlock('mychannel', material, 1_700_000_000_123);
      expect(block.getHeader()?.getNumber()).toBe(0);
      expect(block.getHeader()?.getPreviousHash_asU8()).toHaveLength(0);
      expect(block.getData()?.getDataList()).toHaveLength(1);
      expect(block.getMetadata()?.getMetadataList()).toHaveLength(5);
      expect(lastConfigIndex(block)).toBe(0);
      expect(() => verifyChain([block])).not.toThrow();

      const envelope = common.Envelope.deserializeBinary(
        block.getData()?.getDataList_asU8()[0] as Uint8Array,
      );
      const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
      const channelHeader = common.ChannelHeader.deserializeBinary(
        payload.getHeader()?.getChannelHeader_asU8() ?? new Uint8Array(),
      );
      expect(channelHeader.getType()).toBe(common.HeaderType.CONFIG);
      expect(channelHeader.getChannelId()).toBe('mychannel');
      expect(channelHeader.getTimestamp()?.getSeconds()).toBe(1_700_000_000);
      expect(channelHeader.getTimestamp()?.getNanos()).toBe(123_000_000);
      const signatureHeader = common.SignatureHeader.deserializeBinary(
        payload.getHeader()?.getSignatureHeader_asU8() ?? new Uint8Array(),
      );
      // tx id = hex(SHA-256(nonce ‖ creator)), creator empty for the genesis block
      expect(channelHeader.getTxId()).toBe(sha256(signatureHeader.getNonce_asU8()).toString('hex'));
    });

    it('is deterministic for the same inputs', () => {
      const a = genesisConfigBlock('mychannel', material, 42).serializeBinary();
      const b = genesisConfigBlock('mychannel', material, 42).serializeBinary();
      expect(hex(a)).toBe(hex(b));
      expect(hex(genesisConfigBlock('other', material, 42).serializeBinary())).not.toBe(hex(a));
    });

    it('decodes back to a channel with every organisation, its MSP and its policies', () => {
      const block = common.Block.deserializeBinary(
        genesisConfigBlock('mychannel', material, 1_700_000_000_000).serializeBinary(),
      );
      const decoded = decodeConfigBlock(block);
      expect(decoded.channelId).toBe('mychannel');
      expect(decoded.config.getSequence()).toBe(0);
      expect(decoded.applicationMsps.map((d) => d.mspId)).toEqual(['Org1MSP', 'Org2MSP', 'Org3MSP']);
      expect(decoded.ordererMsps.map((d) => d.mspId)).toEqual(['OrdererMSP']);
      expect(decoded.applicationMsps[1]?.rootCertPems).toEqual([material.orgs[1]?.caCertPem]);

      const channel = decoded.config.getChannelGroup() as common.ConfigGroup;
      expect([...channel.getGroupsMap().keys()].sort()).toEqual(['Application', 'Orderer']);
      expect([...channel.getPoliciesMap().keys()].sort()).toEqual(['Admins', 'Readers', 'Writers']);
      expect(
        common.HashingAlgorithm.deserializeBinary(
          channel.getValuesMap().get('HashingAlgorithm')?.getValue_asU8() ?? new Uint8Array(),
        ).getName(),
      ).toBe('SHA256');

      const application = channel.getGroupsMap().get('Application') as common.ConfigGroup;
      expect([...application.getGroupsMap().keys()].sort()).toEqual(['Org1MSP', 'Org2MSP', 'Org3MSP']);
      const endorsement = application.getPoliciesMap().get('Endorsement')?.getPolicy();
      expect(endorsement?.getType()).toBe(common.Policy.PolicyType.IMPLICIT_META);
      const meta = common.ImplicitMetaPolicy.deserializeBinary(
        endorsement?.getValue_asU8() ?? new Uint8Array(),
      );
      expect([meta.getRule(), meta.getSubPolicy()]).toEqual([
        common.ImplicitMetaPolicy.Rule.MAJORITY,
        'Endorsement',
      ]);

      const org2 = application.getGroupsMap().get('Org2MSP') as common.ConfigGroup;
      const mspConfig = msp.MSPConfig.deserializeBinary(
        org2.getValuesMap().get('MSP')?.getValue_asU8() ?? new Uint8Array(),
      );
      const fabric = msp.FabricMSPConfig.deserializeBinary(mspConfig.getConfig_asU8());
      expect(fabric.getName()).toBe('Org2MSP');
      expect(Buffer.from(fabric.getTlsRootCertsList_asU8()[0] ?? new Uint8Array()).toString()).toBe(
        material.tls.caCertPem,
      );
      expect(fabric.getFabricNodeOus()?.getEnable()).toBe(true);
      expect(fabric.getFabricNodeOus()?.getPeerOuIdentifier()?.getOrganizationalUnitIdentifier()).toBe(
        'peer',
      );
      const policyText = (name: string): string => {
        const policy = org2.getPoliciesMap().get(name)?.getPolicy();
        expect(policy?.getType()).toBe(common.Policy.PolicyType.SIGNATURE);
        return policyFromSignaturePolicyEnvelope(policy?.getValue_asU8() ?? new Uint8Array(), []).text;
      };
      expect(policyText('Endorsement')).toBe("OR('Org2MSP.peer')");
      expect(policyText('Admins')).toBe("OR('Org2MSP.admin')");
      expect(policyText('Readers')).toBe("OR('Org2MSP.admin', 'Org2MSP.peer', 'Org2MSP.client')");
      expect(policyText('Writers')).toBe("OR('Org2MSP.admin', 'Org2MSP.client')");

      const ordererGroup = channel.getGroupsMap().get('Orderer') as common.ConfigGroup;
      expect([...ordererGroup.getGroupsMap().keys()]).toEqual(['OrdererOrg']);
      const batchSize = orderer.BatchSize.deserializeBinary(
        ordererGroup.getValuesMap().get('BatchSize')?.getValue_asU8() ?? new Uint8Array(),
      );
      expect(batchSize.getMaxMessageCount()).toBe(10);
      const batchTimeout = orderer.BatchTimeout.deserializeBinary(
        ordererGroup.getValuesMap().get('BatchTimeout')?.getValue_asU8() ?? new Uint8Array(),
      );
      expect(batchTimeout.getTimeout()).toBe('2s');
      const consensus = orderer.ConsensusType.deserializeBinary(
        ordererGroup.getValuesMap().get('ConsensusType')?.getValue_asU8() ?? new Uint8Array(),
      );
      expect(consensus.getType()).toBe('etcdraft');
      expect(
        orderer.etcdraft.ConfigMetadata.deserializeBinary(consensus.getMetadata_asU8())
          .getConsentersList()[0]
          ?.getHost(),
      ).toBe('orderer.example.com');
    });

    it('carries enough MSP configuration to validate the network identities from the block alone', () => {
      const decoded = decodeConfigBlock(genesisConfigBlock('mychannel', material, 0));
      const orderers = decoded.ordererMsps[0];
      if (orderers === undefined) throw new Error('no orderer MSP');
      const manager = createMspManagerFromDefinitions(decoded.applicationMsps, orderers);
      const user = material.orgs[2]?.user;
      if (user === undefined) throw new Error('no user');
      expect(manager.deserializeIdentity(serializeIdentity('Org3MSP', user.certPem)).role).toBe('client');
    });

    it('honours batch settings', () => {
      const block = genesisConfigBlock('mychannel', material, 0, {
        maxMessageCount: 50,
        batchTimeout: '250ms',
      });
      const ordererGroup = decodeConfigBlock(block).config.getChannelGroup()?.getGroupsMap().get('Orderer');
      const value = ordererGroup?.getValuesMap().get('BatchTimeout')?.getValue_asU8() ?? new Uint8Array();
      expect(orderer.BatchTimeout.deserializeBinary(value).getTimeout()).toBe('250ms');
    });

    it('chains with the blocks after it', () => {
      const genesis = genesisConfigBlock('mychannel', material, 0);
      const next = signBlock(
        newBlock(1, blockHeaderHash(genesis.getHeader() as common.BlockHeader), [Buffer.from('tx')]),
        signingIdentityFrom(material.orderer),
        0,
      );
      expect(() => verifyChain([genesis, next])).not.toThrow();
    });
  });
});
