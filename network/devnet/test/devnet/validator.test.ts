import { common, ledger, peer } from '@hyperledger/fabric-protos';
import type { ChaincodeRuntime } from '../../src/chaincode/types';
import { ChaincodeDefinitions } from '../../src/lifecycle/definitions';
import { OrgEndorser } from '../../src/endorser/endorser';
import { PolicyAdapter } from '../../src/policy';
import { unpackProposal } from '../../src/endorser/proposal';
import { prepareTransaction } from '../../src/gateway/prepare';
import type { TxSimulator } from '../../src/ledger/types';
import { signingIdentityFrom } from '../../src/msp';
import { validateTransactions, type ValidatorContext } from '../../src/peer/validator';
import { makeMaterial, signedProposal, userOf, type Material } from './fixtures';

const Code = peer.TxValidationCode;

function rwset(key: string, value: string): Uint8Array {
  const write = new ledger.rwset.kvrwset.KVWrite();
  write.setKey(key);
  write.setValue(Buffer.from(value));
  const kv = new ledger.rwset.kvrwset.KVRWSet();
  kv.setWritesList([write]);
  const ns = new ledger.rwset.NsReadWriteSet();
  ns.setNamespace('cc');
  ns.setRwset(kv.serializeBinary());
  const txrw = new ledger.rwset.TxReadWriteSet();
  txrw.setDataModel(ledger.rwset.TxReadWriteSet.DataModel.KV);
  txrw.setNsRwsetList([ns]);
  return txrw.serializeBinary();
}

describe('committer validation (txvalidator)', () => {
  let m: Material;
  let definitions: ChaincodeDefinitions;
  let endorsers: OrgEndorser[];
  let ctx: ValidatorContext;

  beforeAll(async () => {
    m = await makeMaterial(2);
    definitions = new ChaincodeDefinitions([
      { name: 'cc', source: '/x', kind: 'path', policy: 'ALL', sequence: 1 },
    ]);
    const mspIds = m.material.orgs.map((o) => o.mspId);
    const policies = new PolicyAdapter(definitions, mspIds, () => undefined);
    const chaincodes: ChaincodeRuntime = {
      isReady: () => true,
      execute: async () => ({ status: 200, message: '', payload: Buffer.from('ok') }),
    };
    endorsers = m.material.orgs.map(
      (org) =>
        new OrgEndorser({
          mspId: org.mspId,
          signer: signingIdentityFrom(org.peer),
          ledger: {
            newSimulator: () =>
              ({ done: () => ({ publicRwSet: rwset('k', 'v') }) }) as unknown as TxSimulator,
            hasTransaction: () => false,
          },
          chaincodes,
          chaincodeVersion: () => '1',
        }),
    );
    ctx = {
      channelId: 'mychannel',
      msp: m.msp,
      policies,
      isDeployed: (name) => definitions.has(name),
      committedMetadata: () => undefined,
      isCommittedTxId: () => false,
    };
  });

  afterAll(async () => {
    await m.cleanup();
  });

  async function envelope(
    options: { chaincode?: string; txId?: string; orgs?: number } = {},
    signer = userOf(m.material),
  ): Promise<common.Envelope> {
    const up = unpackProposal(
      signedProposal(userOf(m.material), {
        ...(options.chaincode ? { chaincode: options.chaincode } : {}),
        ...(options.txId ? { txId: options.txId } : {}),
      }),
    );
    const outcomes = await Promise.all(
      endorsers.slice(0, options.orgs ?? 2).map((e) => e.endorse(up, false)),
    );
    const endorsed = outcomes.map((o) => {
      if (!o.ok) throw new Error(o.message);
      return o;
    });
    const env = prepareTransaction(
      up,
      endorsed[0]?.payload ?? new Uint8Array(),
      endorsed.map((e) => e.endorsement),
    );
    env.setSignature(signer.sign(env.getPayload_asU8()));
    return env;
  }

  it('accepts a well-formed, endorsed and signed transaction', async () => {
    const [check] = validateTransactions(ctx, [(await envelope()).serializeBinary()]);
    expect(check?.code).toBe(Code.VALID);
  });

  it('classifies broken transactions with Fabric codes', async () => {
    const good = await envelope();
    const wrongSigner = await envelope({}, userOf(m.material, 1));
    const badTxId = await envelope({ txId: 'not-the-hash' });
    const unknownChaincode = await envelope({ chaincode: 'nope' });
    const underEndorsed = await envelope({ orgs: 1 });
    const checks = validateTransactions(ctx, [
      good.serializeBinary(),
      good.serializeBinary(),
      wrongSigner.serializeBinary(),
      badTxId.serializeBinary(),
      unknownChaincode.serializeBinary(),
      underEndorsed.serializeBinary(),
      Buffer.from([1, 2, 3]),
    ]);
    expect(checks.map((c) => c.code)).toEqual([
      Code.VALID,
      Code.DUPLICATE_TXID,
      Code.BAD_CREATOR_SIGNATURE,
      Code.BAD_PROPOSAL_TXID,
      Code.INVALID_CHAINCODE,
      Code.ENDORSEMENT_POLICY_FAILURE,
      Code.NIL_ENVELOPE,
    ]);
    expect(checks[5]?.reason).toContain('endorsement policy of chaincode cc not satisfied');
  });

  it('counts an endorsement whose signature no longer matches the payload for nothing', async () => {
    const env = await envelope();
    const payload = common.Payload.deserializeBinary(env.getPayload_asU8());
    const tx = peer.Transaction.deserializeBinary(payload.getData_asU8());
    const action = tx.getActionsList()[0] as peer.TransactionAction;
    const cap = peer.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8());
    const endorsed = cap.getAction() as peer.ChaincodeEndorsedAction;
    const prp = peer.ProposalResponsePayload.deserializeBinary(endorsed.getProposalResponsePayload_asU8());
    const chaincodeAction = peer.ChaincodeAction.deserializeBinary(prp.getExtension_asU8());
    chaincodeAction.setResults(rwset('k', 'forged'));
    prp.setExtension$(chaincodeAction.serializeBinary());
    endorsed.setProposalResponsePayload(prp.serializeBinary());
    cap.setAction(endorsed);
    action.setPayload(cap.serializeBinary());
    tx.setActionsList([action]);
    payload.setData(tx.serializeBinary());
    env.setPayload(payload.serializeBinary());
    env.setSignature(userOf(m.material).sign(env.getPayload_asU8()));
    const [check] = validateTransactions(ctx, [env.serializeBinary()]);
    expect(check?.code).toBe(Code.ENDORSEMENT_POLICY_FAILURE);
  });
});
