/**
 * toLedgerError on the errors fabric-gateway really throws: each one produced by a real call to the devnet running
 * the KeyLedger chaincode (evaluate and submit refusals, lost MVCC races, an unreachable peer, a commit status that
 * never came, an identity the channel does not know), plus fabric-gateway's own CommitError for validation codes
 * the devnet has no natural way to produce.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { status as GrpcStatus } from '@grpc/grpc-js';
import {
  CommitError,
  CommitStatusError,
  EndorseError,
  GatewayError,
  StatusCode,
} from '@hyperledger/fabric-gateway';
import { CONTRACTS, METADATA_TRANSACTION } from '@keyledger/chaincode/protocol';
import { issueIdentity, startDevnet, type Devnet, type IdentityFiles } from '@keyledger/devnet';
import {
  FabricConnection,
  GrpcClients,
  LedgerError,
  toLedgerError,
  type ConnectOptions,
  type FabricConfig,
} from '../../src/fabric';
import { GovernanceLedger } from '../../src/governance';
import { RotationLedger } from '../../src/rotation';

jest.setTimeout(120_000);

const CHAINCODE = 'keyledger';
const CHAINCODE_DIR = resolve(__dirname, '../../../chaincode');

/** What a call threw, unmapped. */
async function thrown(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  throw new Error('the call did not fail');
}

describe('toLedgerError on real fabric-gateway errors from the devnet', () => {
  let devnet: Devnet;
  let dataDir: string;
  const clients = new GrpcClients();
  const connections: FabricConnection[] = [];

  const configOf = (files: IdentityFiles, endpoint = devnet.endpoint): FabricConfig => ({
    endpoint,
    tlsRootCertPath: devnet.material.tls.caCertPath,
    hostnameOverride: 'localhost',
    channel: devnet.channelId,
    chaincode: CHAINCODE,
    mspId: files.mspId,
    certPath: files.certPath,
    keyPath: files.keyPath,
  });
  const open = (config: FabricConfig, options: Omit<ConnectOptions, 'clients'> = {}): FabricConnection => {
    const connection = FabricConnection.open(config, { ...options, clients });
    connections.push(connection);
    return connection;
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'keyledger-errors-'));
    devnet = await startDevnet({ dataDir, port: 0, orgs: 2, channelId: 'keyledger' });
    await devnet.deploy(CHAINCODE, CHAINCODE_DIR);
    await new GovernanceLedger(open(configOf(devnet.identity(1, 'admin')))).bootstrap();
  });

  afterAll(async () => {
    connections.forEach((connection) => connection.close());
    await devnet?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("an evaluate refused by the chaincode: a GatewayError whose message quotes the chaincode's [CODE]", async () => {
    const stranger = await issueIdentity(devnet.material.orgs[0]!, 'stranger', 'client');
    const contract = open(configOf(stranger)).contract('KeyRotation');
    const error = await thrown(() => contract.evaluateTransaction('ListQueues'));
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).not.toBeInstanceOf(EndorseError);
    const mapped = toLedgerError(error);
    expect(mapped).toMatchObject({ kind: 'FORBIDDEN', httpStatus: 403, problemType: 'forbidden' });
    expect(mapped.message).not.toMatch(/^\d+ [A-Z_]+:|\[FORBIDDEN\]/);
    expect(mapped.cause).toBe(error);
    expect(mapped.retryable).toBe(false);
  });

  it('a submit refused at endorsement: an EndorseError whose details carry the refusal, with its transaction id', async () => {
    const admin = open(configOf(devnet.identity(1, 'admin')));
    const error = await thrown(() =>
      admin.contract('KeyRotation').submitTransaction('SetKeyPolicy', '{"queueId":'),
    );
    expect(error).toBeInstanceOf(EndorseError);
    const mapped = toLedgerError(error);
    expect(mapped).toMatchObject({
      kind: 'INVALID_ARGUMENT',
      httpStatus: 400,
      transactionId: (error as EndorseError).transactionId,
    });
    const missing = toLedgerError(
      await thrown(() => admin.contract('KeyRotation').evaluateTransaction('GetKeyPolicy', 'nope')),
    );
    expect(missing).toMatchObject({ kind: 'NOT_FOUND', httpStatus: 404 });
    expect(missing.message).toContain('nope');
  });

  it('a lost MVCC race: a CommitError with MVCC_READ_CONFLICT, retryable — and the typed client retries it away', async () => {
    const validator = await issueIdentity(devnet.material.orgs[1]!, 'racer', 'client');
    const admin = new GovernanceLedger(open(configOf(devnet.identity(1, 'admin'))));
    const me = open(configOf(validator));
    const member = await new GovernanceLedger(me).whoAmI();
    await admin.registerMember({
      mspId: member.caller.mspId,
      fingerprint: member.caller.fingerprint,
      name: 'racer',
      roles: ['frontend'],
    });
    // Several writes of one member record endorsed on the same state: one commits per block, the rest conflict.
    const pems = Array.from({ length: 6 }, () =>
      generateKeyPairSync('ec', { namedCurve: 'P-256' })
        .publicKey.export({ type: 'spki', format: 'pem' })
        .toString(),
    );
    const outcomes = await Promise.allSettled(
      pems.map((pem) => me.contract('Governance').submitTransaction('SetPublicKey', pem)),
    );
    const conflicts = outcomes
      .filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected')
      .map((outcome) => outcome.reason as unknown);
    expect(outcomes.some((outcome) => outcome.status === 'fulfilled')).toBe(true);
    expect(conflicts.length).toBeGreaterThan(0);
    for (const error of conflicts) {
      expect(error).toBeInstanceOf(CommitError);
      expect((error as CommitError).code).toBe(StatusCode.MVCC_READ_CONFLICT);
      const mapped = toLedgerError(error);
      expect(mapped).toMatchObject({
        kind: 'MVCC_CONFLICT',
        httpStatus: 409,
        validationCode: StatusCode.MVCC_READ_CONFLICT,
      });
      expect(mapped.retryable).toBe(true);
    }
    // Through the typed client the same race converges: every write lands (fewer writers than attempts).
    const typed = new GovernanceLedger(me);
    const writers = pems.slice(0, 3);
    await expect(Promise.all(writers.map((pem) => typed.setPublicKey(pem)))).resolves.toHaveLength(
      writers.length,
    );
  });

  it('a CommitError is never mistaken for a gRPC status: codes 4 and 14 are failed transactions, not an unavailable network', () => {
    for (const code of [
      StatusCode.BAD_CREATOR_SIGNATURE,
      StatusCode.TARGET_CHAIN_NOT_FOUND,
      StatusCode.ENDORSEMENT_POLICY_FAILURE,
    ]) {
      const error = new CommitError({
        code,
        transactionId: 'tx',
        message: `Transaction tx failed to commit with status code ${code}`,
      });
      const mapped = toLedgerError(error);
      expect(mapped).toMatchObject({ kind: 'FAILED', httpStatus: 502, validationCode: code });
      expect(mapped.retryable).toBe(false);
    }
    expect(GrpcStatus.UNAVAILABLE).toBe(StatusCode.TARGET_CHAIN_NOT_FOUND); // why the two tables must not be mixed
  });

  it('endorsements that differ between orgs (peers at different heights): retryable like an MVCC conflict', () => {
    const message = 'ProposalResponsePayloads do not match: chaincode response mismatch';
    const error = new EndorseError({
      code: GrpcStatus.ABORTED,
      message:
        '10 ABORTED: failed to collect enough transaction endorsements, see attached details for more info',
      details: [{ address: '127.0.0.1:7051', mspId: 'Org2MSP', message }],
      transactionId: 'tx',
      cause: Object.assign(new Error('aborted'), {
        code: GrpcStatus.ABORTED,
        details: '',
        metadata: undefined as never,
      }),
    });
    const mapped = toLedgerError(error);
    expect(mapped).toMatchObject({ kind: 'MVCC_CONFLICT', transactionId: 'tx' });
    expect(mapped.retryable).toBe(true);
  });

  it('an unreachable peer: UNAVAILABLE and retryable for evaluate and endorse', async () => {
    const config = configOf(devnet.identity(1, 'user'), '127.0.0.1:1');
    const contract = open(config, { evaluateTimeoutMs: 2_000, endorseTimeoutMs: 2_000 }).contract(
      'KeyRotation',
    );
    for (const call of [
      () => contract.evaluateTransaction('ListQueues'),
      () => contract.submitTransaction('ExpireRotation', 'x'),
    ]) {
      const error = await thrown(call);
      expect(error).toBeInstanceOf(GatewayError);
      const mapped = toLedgerError(error);
      expect(mapped).toMatchObject({ kind: 'UNAVAILABLE', httpStatus: 503 });
      expect(mapped.retryable).toBe(true);
    }
  });

  it('a commit status that never came: a CommitStatusError, COMMIT_UNKNOWN, never retried', async () => {
    const admin = open(configOf(devnet.identity(1, 'admin')), { commitTimeoutMs: 1 });
    const error = await thrown(() =>
      admin.contract('KeyRotation').submitTransaction(
        'SetKeyPolicy',
        JSON.stringify({
          queueId: 'unknown-commit',
          rotationIntervalMs: 60_000,
          maxMessages: 10,
          algorithm: 'AES-256-GCM',
        }),
      ),
    );
    expect(error).toBeInstanceOf(CommitStatusError);
    const mapped = toLedgerError(error);
    expect(mapped).toMatchObject({
      kind: 'COMMIT_UNKNOWN',
      httpStatus: 504,
      transactionId: (error as CommitStatusError).transactionId,
    });
    expect(mapped.retryable).toBe(false);
    // The typed client does not submit it a second time (it would be a second transaction).
    const submits: string[] = [];
    const counting = {
      contract: (name: string) => {
        const contract = admin.contract(name);
        return {
          evaluateTransaction: (fn: string, ...args: string[]) => contract.evaluateTransaction(fn, ...args),
          submitTransaction: (fn: string, ...args: string[]) => {
            submits.push(fn);
            return contract.submitTransaction(fn, ...args);
          },
        };
      },
    };
    await expect(
      new RotationLedger(counting).setKeyPolicy({
        queueId: 'unknown-commit-2',
        rotationIntervalMs: 60_000,
        maxMessages: 10,
        algorithm: 'AES-256-GCM',
      }),
    ).rejects.toMatchObject({ kind: 'COMMIT_UNKNOWN' });
    expect(submits).toEqual(['SetKeyPolicy']);
  });

  it('an identity whose CA the channel does not know: the channel refuses it before any chaincode runs', async () => {
    const other = await startDevnet({
      dataDir: join(dataDir, 'other'),
      port: 0,
      orgs: 1,
      channelId: 'other',
    });
    try {
      const foreign = other.identity(1, 'user');
      const error = await thrown(() =>
        open(configOf(foreign)).contract('KeyRotation').evaluateTransaction('ListQueues'),
      );
      const mapped = toLedgerError(error);
      expect(mapped).toBeInstanceOf(LedgerError);
      expect(mapped).toMatchObject({ kind: 'ACCESS_DENIED', httpStatus: 403 });
    } finally {
      await other.stop();
    }
  });

  it('the KeyLedger chaincode answers org.hyperledger.fabric:GetMetadata with every contract of the protocol', async () => {
    const connection = open(configOf(devnet.identity(1, 'user')));
    const bytes = await connection.network.getContract(CHAINCODE).evaluateTransaction(METADATA_TRANSACTION);
    const metadata = JSON.parse(Buffer.from(bytes).toString('utf8')) as {
      contracts: Record<string, unknown>;
    };
    expect(Object.keys(metadata.contracts).sort()).toEqual(
      [...CONTRACTS.map((contract) => contract.name), 'org.hyperledger.fabric'].sort(),
    );
  });

  it('connections of many identities to one peer share one gRPC channel', () => {
    expect(clients.size).toBe(2); // the devnet and the unreachable endpoint
  });
});
