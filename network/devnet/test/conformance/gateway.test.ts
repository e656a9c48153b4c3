import { createPrivateKey } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import {
  connect,
  hash,
  signers,
  EndorseError,
  GatewayError,
  CommitError,
  type SubmitError,
  type Contract,
  type Gateway,
} from '@hyperledger/fabric-gateway';
import { startTestNetwork, utf8, type TestNetwork } from './support';

jest.setTimeout(120_000);

describe('conformance: gateway with the real fabric-gateway client', () => {
  let net: TestNetwork;
  let gateways: Gateway[];
  let contracts: Contract[];

  beforeAll(async () => {
    net = await startTestNetwork();
    gateways = [1, 2, 3].map((org) => net.gateway(org));
    contracts = gateways.map((gw) => gw.getNetwork(net.devnet.channelId).getContract('conformance'));
  });

  afterAll(async () => {
    await net?.close();
  });

  it('submits and evaluates through each organisation', async () => {
    for (const [index, contract] of contracts.entries()) {
      const key = `org-key-${index}`;
      await contract.submitTransaction('put', key, `value-${index}`);
      for (const reader of contracts) {
        expect(utf8(await reader.evaluateTransaction('get', key))).toBe(`value-${index}`);
      }
    }
  });

  it('evaluates org.hyperledger.fabric:GetMetadata, listing the contracts (fabric-contract-api with class-transformer 0.4.0)', async () => {
    const system = (gateways[0] as Gateway)
      .getNetwork(net.devnet.channelId)
      .getContract('conformance', 'org.hyperledger.fabric');
    const metadata = JSON.parse(utf8(await system.evaluateTransaction('GetMetadata'))) as {
      contracts: Record<string, { name: string; transactions: { name: string }[] }>;
    };
    expect(Object.keys(metadata.contracts).sort()).toEqual(['conformance', 'org.hyperledger.fabric']);
    expect(metadata.contracts.conformance?.name).toBe('conformance');
    expect(metadata.contracts.conformance?.transactions.map((t) => t.name)).toEqual(
      expect.arrayContaining(['put', 'get', 'crash']),
    );
  });

  it('submits asynchronously and reports the commit status', async () => {
    const contract = contracts[0] as Contract;
    const submitted = await contract.submitAsync('put', { arguments: ['async-key', 'v1'] });
    expect(utf8(submitted.getResult())).toBe('async-key');
    const status = await submitted.getStatus();
    expect(status.successful).toBe(true);
    expect(status.code).toBe(0);
    expect(status.transactionId).toBe(submitted.getTransactionId());
    expect(status.blockNumber).toBeGreaterThan(0n);
  });

  it('supports offline signing: newProposal, endorse, submit, commit status', async () => {
    const identityFiles = net.devnet.identity(2);
    const { client, identity } = net.devnet.connection(2);
    const offline = connect({ client, identity, hash: hash.sha256 });
    const sign = signers.newPrivateKeySigner(createPrivateKey(identityFiles.keyPem));
    const digestSign = async (digest: Uint8Array): Promise<Uint8Array> => sign(digest);
    try {
      const contract = offline.getNetwork(net.devnet.channelId).getContract('conformance');
      const unsigned = contract.newProposal('put', { arguments: ['offline-key', 'offline-value'] });
      const proposal = offline.newSignedProposal(unsigned.getBytes(), await digestSign(unsigned.getDigest()));
      const unsignedTx = await proposal.endorse();
      const transaction = offline.newSignedTransaction(
        unsignedTx.getBytes(),
        await digestSign(unsignedTx.getDigest()),
      );
      const unsignedCommit = await transaction.submit();
      const commit = offline.newSignedCommit(
        unsignedCommit.getBytes(),
        await digestSign(unsignedCommit.getDigest()),
      );
      const status = await commit.getStatus();
      expect(status.successful).toBe(true);
      expect(utf8(await (contracts[0] as Contract).evaluateTransaction('get', 'offline-key'))).toBe(
        'offline-value',
      );
    } finally {
      offline.close();
      client.close();
    }
  });

  it('passes transient data to the chaincode without putting it on the ledger', async () => {
    const contract = contracts[0] as Contract;
    const result = await contract.submit('transient', {
      arguments: ['secret'],
      transientData: { secret: Buffer.from('s3cr3t') },
    });
    expect(utf8(result)).toBe('s3cr3t');
    const evaluated = await contract.evaluate('transient', {
      arguments: ['secret'],
      transientData: { secret: Buffer.from('again') },
    });
    expect(utf8(evaluated)).toBe('again');
  });

  it('reports MVCC_READ_CONFLICT for the second of two concurrent transactions on one key, naming the key', async () => {
    const contract = contracts[0] as Contract;
    await contract.submitTransaction('put', 'mvcc-key', 'initial');
    const first = await contract.newProposal('putThenGet', { arguments: ['mvcc-key', 'first'] }).endorse();
    const second = await contract.newProposal('putThenGet', { arguments: ['mvcc-key', 'second'] }).endorse();
    const firstCommit = await first.submit();
    const secondCommit = await second.submit();
    const [a, b] = await Promise.all([firstCommit.getStatus(), secondCommit.getStatus()]);
    expect(a.code).toBe(0);
    expect(b.code).toBe(11);
    const detail = net.devnet.transactionDetail(second.getTransactionId());
    expect(detail?.codeName).toBe('MVCC_READ_CONFLICT');
    expect(detail?.reason).toContain('mvcc-key');
    expect(utf8(await contract.evaluateTransaction('get', 'mvcc-key'))).toBe('first');
  });

  it('a submitted transaction that failed validation raises CommitError with the status name', async () => {
    const contract = contracts[0] as Contract;
    await contract.submitTransaction('put', 'mvcc2', 'initial');
    const first = await contract.newProposal('putThenGet', { arguments: ['mvcc2', 'a'] }).endorse();
    const second = await contract.newProposal('putThenGet', { arguments: ['mvcc2', 'b'] }).endorse();
    await (await first.submit()).getStatus();
    const commit = await second.submit();
    const status = await commit.getStatus();
    expect(status.successful).toBe(false);
    const error = new CommitError({ message: '', code: status.code, transactionId: status.transactionId });
    expect(error.code).toBe(11);
  });

  it('reports PHANTOM_READ_CONFLICT when a range read changes before commit', async () => {
    const contract = contracts[0] as Contract;
    await contract.submitTransaction('put', 'ph-1', 'a');
    await contract.submitTransaction('put', 'ph-3', 'c');
    const ranged = await contract.newProposal('range', { arguments: ['ph-', 'ph-~'] }).endorse();
    await contract.submitTransaction('put', 'ph-2', 'b');
    const status = await (await ranged.submit()).getStatus();
    expect(status.code).toBe(12);
    expect(net.devnet.transactionDetail(ranged.getTransactionId())?.codeName).toBe('PHANTOM_READ_CONFLICT');
  });

  it('detects a non-deterministic chaincode at endorsement and names what differs', async () => {
    const contract = contracts[0] as Contract;
    const error = await contract.submitTransaction('nondeterministic').then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(EndorseError);
    const endorseError = error as EndorseError;
    expect(endorseError.code).toBe(grpc.status.ABORTED);
    expect(endorseError.message).toContain('failed to collect enough transaction endorsements');
    expect(endorseError.details.length).toBeGreaterThan(0);
    for (const detail of endorseError.details) {
      expect(detail.message).toContain('ProposalResponsePayloads do not match');
      expect(detail.message).toContain('chaincode response mismatch');
    }
  });

  it('fails validation with ENDORSEMENT_POLICY_FAILURE when too few organisations endorse', async () => {
    const contract = contracts[0] as Contract;
    const transaction = await contract
      .newProposal('put', { arguments: ['policy-key', 'v'], endorsingOrganizations: ['Org1MSP'] })
      .endorse();
    const status = await (await transaction.submit()).getStatus();
    expect(status.code).toBe(10);
    expect(net.devnet.transactionDetail(transaction.getTransactionId())?.codeName).toBe(
      'ENDORSEMENT_POLICY_FAILURE',
    );
  });

  it('rejects an unknown chaincode as Fabric does', async () => {
    const unknown = (gateways[0] as Gateway).getNetwork(net.devnet.channelId).getContract('nonexistent');
    const submitError = (await unknown
      .submitTransaction('get', 'k')
      .catch((err: unknown) => err)) as EndorseError;
    expect(submitError).toBeInstanceOf(EndorseError);
    expect(submitError.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(submitError.message).toContain(
      `no combination of peers can be derived which satisfy the endorsement policy: No metadata was found for chaincode nonexistent in channel ${net.devnet.channelId}`,
    );
    const evaluateError = (await unknown
      .evaluateTransaction('get', 'k')
      .catch((err: unknown) => err)) as GatewayError;
    expect(evaluateError).toBeInstanceOf(GatewayError);
    expect(evaluateError.code).toBe(grpc.status.FAILED_PRECONDITION);
  });

  it('reports an unknown function with the chaincode message in the details', async () => {
    const contract = contracts[0] as Contract;
    const submitError = (await contract
      .submitTransaction('nonexistent')
      .catch((err: unknown) => err)) as EndorseError;
    expect(submitError).toBeInstanceOf(EndorseError);
    expect(submitError.code).toBe(grpc.status.ABORTED);
    expect(submitError.message).toContain(
      'failed to endorse transaction, see attached details for more info',
    );
    expect(submitError.details[0]?.mspId).toBe('Org1MSP');
    expect(submitError.details[0]?.message).toContain(
      "chaincode response 500, You've asked to invoke a function that does not exist: nonexistent",
    );
    const evaluateError = (await contract
      .evaluateTransaction('nonexistent')
      .catch((err: unknown) => err)) as GatewayError;
    expect(evaluateError.code).toBe(grpc.status.UNKNOWN);
    expect(evaluateError.message).toContain(
      "evaluate call to endorser returned error: chaincode response 500, You've asked to invoke a function that does not exist: nonexistent",
    );
  });

  it('reports a chaincode that throws with its message', async () => {
    const contract = contracts[1] as Contract;
    const evaluateError = (await contract
      .evaluateTransaction('fail', 'boom')
      .catch((err: unknown) => err)) as GatewayError;
    expect(evaluateError.code).toBe(grpc.status.UNKNOWN);
    expect(evaluateError.message).toContain(
      'evaluate call to endorser returned error: chaincode response 500, boom',
    );
    const submitError = (await contract
      .submitTransaction('fail', 'bang')
      .catch((err: unknown) => err)) as EndorseError;
    expect(submitError.code).toBe(grpc.status.ABORTED);
    expect(submitError.details.map((d) => d.message)).toEqual(['chaincode response 500, bang']);
  });

  it('rejects a proposal signed by an identity from an unknown CA', async () => {
    const { startDevnet } = await import('../../src');
    const os = await import('node:os');
    const fs = await import('node:fs');
    const path = await import('node:path');
    const foreignDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'devnet-foreign-'));
    try {
      const { ensureNetworkMaterial } = await import('../../src/msp');
      const foreign = await ensureNetworkMaterial(foreignDir, 1);
      const user = foreign.orgs[0]?.user;
      if (!user) throw new Error('no foreign user');
      const { client } = net.devnet.connection(1);
      const gw = connect({
        client,
        identity: { mspId: user.mspId, credentials: Buffer.from(user.certPem) },
        signer: signers.newPrivateKeySigner(createPrivateKey(user.keyPem)),
        hash: hash.sha256,
      });
      try {
        const contract = gw.getNetwork(net.devnet.channelId).getContract('conformance');
        const error = (await contract
          .evaluateTransaction('get', 'k')
          .catch((err: unknown) => err)) as GatewayError;
        expect(error).toBeInstanceOf(GatewayError);
        expect(error.code).toBe(grpc.status.FAILED_PRECONDITION);
        expect(error.message).toContain(
          `evaluate call to endorser returned error: error validating proposal: access denied: channel [${net.devnet.channelId}] creator org [Org1MSP]`,
        );
        const submitError = (await contract
          .submitTransaction('put', 'k', 'v')
          .catch((err: unknown) => err)) as EndorseError;
        expect(submitError).toBeInstanceOf(EndorseError);
        expect(submitError.details[0]?.message).toContain('access denied');
      } finally {
        gw.close();
        client.close();
      }
      expect(typeof startDevnet).toBe('function');
    } finally {
      await fs.promises.rm(foreignDir, { recursive: true, force: true });
    }
  });

  it("applies the channel's Writers ACL: an admin may submit, a peer identity may not propose", async () => {
    const admin = net.gateway(2, 'admin').getNetwork(net.devnet.channelId).getContract('conformance');
    await admin.submitTransaction('put', 'by-admin', 'ok');
    const peerFiles = net.devnet.material.orgs[0]?.peer;
    if (!peerFiles) throw new Error('no peer identity');
    const { client } = net.devnet.connection(1);
    const gw = connect({
      client,
      identity: { mspId: peerFiles.mspId, credentials: Buffer.from(peerFiles.certPem) },
      signer: signers.newPrivateKeySigner(createPrivateKey(peerFiles.keyPem)),
      hash: hash.sha256,
    });
    try {
      const contract = gw.getNetwork(net.devnet.channelId).getContract('conformance');
      const error = (await contract
        .evaluateTransaction('get', 'by-admin')
        .catch((err: unknown) => err)) as GatewayError;
      expect(error.code).toBe(grpc.status.FAILED_PRECONDITION);
      expect(error.message).toContain('access denied: channel [mychannel] creator org [Org1MSP]');
    } finally {
      gw.close();
      client.close();
    }
  });

  it('rejects a tampered envelope: at the orderer when the signature breaks, at validation when re-signed', async () => {
    const identityFiles = net.devnet.identity(1);
    const { client, identity } = net.devnet.connection(1);
    const offline = connect({ client, identity, hash: hash.sha256 });
    const sign = signers.newPrivateKeySigner(createPrivateKey(identityFiles.keyPem));
    try {
      const contract = offline.getNetwork(net.devnet.channelId).getContract('conformance');
      const unsigned = contract.newProposal('put', { arguments: ['tamper-key', 'honest'] });
      const proposal = offline.newSignedProposal(unsigned.getBytes(), await sign(unsigned.getDigest()));
      const unsignedTx = await proposal.endorse();
      const bytes = Buffer.from(unsignedTx.getBytes());
      const at = bytes.lastIndexOf(Buffer.from('honest'));
      expect(at).toBeGreaterThan(0);
      const tampered = Buffer.from(bytes);
      tampered.write('HONEST', at);

      // Signed before tampering: the envelope signature no longer verifies → the orderer refuses it.
      const signedThenTampered = offline.newSignedTransaction(tampered, await sign(unsignedTx.getDigest()));
      const submitError = (await signedThenTampered.submit().catch((err: unknown) => err)) as SubmitError;
      expect(submitError).toBeInstanceOf(GatewayError);
      expect(submitError.name).toBe('SubmitError');
      expect(submitError.code).toBe(grpc.status.ABORTED);
      expect(submitError.message).toContain(
        "received unsuccessful response from orderer: status=FORBIDDEN, info=implicit policy evaluation failed - 0 sub-policies were satisfied, but this policy requires 1 of the 'Writers' sub-policies to be satisfied: permission denied",
      );

      // Tampered, then signed by the client: endorsements no longer match the payload → policy failure.
      const reparsed = offline.newSignedTransaction(tampered, new Uint8Array());
      const resigned = offline.newSignedTransaction(tampered, await sign(reparsed.getDigest()));
      const unsignedCommit = await resigned.submit();
      const commit = offline.newSignedCommit(
        unsignedCommit.getBytes(),
        await sign(unsignedCommit.getDigest()),
      );
      const status = await commit.getStatus();
      expect(status.code).toBe(10);
    } finally {
      offline.close();
      client.close();
    }
  });
});
