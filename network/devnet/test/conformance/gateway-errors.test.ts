import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { Contract, Network } from '@hyperledger/fabric-gateway';
import { common, gateway, orderer, peer } from '@hyperledger/fabric-protos';
import { ensureNetworkMaterial, signingIdentityFrom } from '../../src/msp';
import type { IdentityFiles } from '../../src';
import {
  failure,
  gatewayAs,
  rawChaincodeEvents,
  rawUnary,
  type ObservedError,
} from './gateway-errors-support';
import { FIXTURE_CHAINCODE, startTestNetwork, type TestNetwork } from './support';

jest.setTimeout(180_000);

const S = grpc.status;
const CHANNEL = 'mychannel';
const ACCESS_DENIED = `error validating proposal: access denied: channel [${CHANNEL}] creator org [Org1MSP]`;
const READERS_DENIED = `Failed evaluating policy on signed data during check policy on channel [${CHANNEL}] with policy [/Channel/Application/Readers]: [implicit policy evaluation failed - 0 sub-policies were satisfied, but this policy requires 1 of the 'Readers' sub-policies to be satisfied]`;
const WRITERS_DENIED =
  "implicit policy evaluation failed - 0 sub-policies were satisfied, but this policy requires 1 of the 'Writers' sub-policies to be satisfied: permission denied";

/**
 * Every error path of the devnet's gateway.Gateway service against what Fabric v2.5.16 answers there: the gRPC
 * code, the status message and the ErrorDetails (`<file>:<line>` of internal/pkg/gateway unless named). Through
 * the real fabric-gateway client where it can send the request, raw gRPC where it cannot.
 */
describe('conformance: gateway errors as Fabric returns them', () => {
  let net: TestNetwork;
  let network: Network;
  let contract: Contract;
  let other: Network;
  let peerGateway: ReturnType<typeof gatewayAs>;
  let foreignGateway: ReturnType<typeof gatewayAs>;
  let foreign: IdentityFiles;
  let foreignDir: string;
  let client: grpc.Client;

  beforeAll(async () => {
    net = await startTestNetwork();
    await net.devnet.deploy('adminonly', FIXTURE_CHAINCODE, { policy: "OR('Org1MSP.admin')" });
    network = net.gateway(1).getNetwork(CHANNEL);
    contract = network.getContract('conformance');
    other = net.gateway(1).getNetwork('otherchannel');
    peerGateway = gatewayAs(net.devnet, net.devnet.material.orgs[0]?.peer as IdentityFiles);
    foreignDir = await fs.mkdtemp(path.join(os.tmpdir(), 'devnet-foreign-'));
    foreign = (await ensureNetworkMaterial(foreignDir, 1)).orgs[0]?.user as IdentityFiles;
    foreignGateway = gatewayAs(net.devnet, foreign);
    client = net.devnet.connection(1).client;
  });

  afterAll(async () => {
    peerGateway?.close();
    foreignGateway?.close();
    client?.close();
    await net?.close();
    if (foreignDir) await fs.rm(foreignDir, { recursive: true, force: true });
  });

  const user = (): ReturnType<typeof signingIdentityFrom> => signingIdentityFrom(net.devnet.identity(1));
  const commitStatusRequest = (channelId: string, signer = user()): gateway.SignedCommitStatusRequest => {
    const request = new gateway.CommitStatusRequest();
    request.setChannelId(channelId);
    request.setTransactionId('0'.repeat(64));
    request.setIdentity(signer.serialize());
    const signed = new gateway.SignedCommitStatusRequest();
    signed.setRequest(request.serializeBinary());
    signed.setSignature(signer.sign(request.serializeBinary()));
    return signed;
  };
  const eventsRequest = (position: orderer.SeekPosition): gateway.SignedChaincodeEventsRequest => {
    const request = new gateway.ChaincodeEventsRequest();
    request.setChannelId(CHANNEL);
    request.setChaincodeId('conformance');
    request.setIdentity(user().serialize());
    request.setStartPosition(position);
    const signed = new gateway.SignedChaincodeEventsRequest();
    signed.setRequest(request.serializeBinary());
    signed.setSignature(user().sign(request.serializeBinary()));
    return signed;
  };
  const signedGarbage = (): peer.SignedProposal => {
    const signed = new peer.SignedProposal();
    signed.setProposalBytes(Buffer.from([0xff, 0xff, 0xff]));
    return signed;
  };

  interface Case {
    readonly name: string;
    readonly run: () => Promise<unknown>;
    readonly expected: ObservedError | ((o: ObservedError) => void);
  }

  const cases: Case[] = [
    // ---- Evaluate
    {
      name: 'Evaluate: no proposal → InvalidArgument (evaluate.go:30, :112)',
      run: () => rawUnary(client, 'Evaluate', new gateway.EvaluateRequest()),
      expected: {
        code: S.INVALID_ARGUMENT,
        message: 'failed to unpack transaction proposal: a signed proposal is required',
        details: [],
      },
    },
    {
      name: 'Evaluate: unknown channel → Unavailable (evaluate.go:35, registry.go:388)',
      run: () => other.getContract('conformance').evaluateTransaction('get', 'k'),
      expected: {
        code: S.UNAVAILABLE,
        message:
          'failed to get config for channel [otherchannel]: could not get last config for channel otherchannel',
        details: [],
      },
    },
    {
      name: 'Evaluate: unknown chaincode → FailedPrecondition (evaluate.go:50, registry.go:276)',
      run: () => network.getContract('nonexistent').evaluateTransaction('get', 'k'),
      expected: {
        code: S.FAILED_PRECONDITION,
        message: `no peers available to evaluate chaincode nonexistent in channel ${CHANNEL}`,
        details: [],
      },
    },
    {
      name: 'Evaluate: target organisations with no peer → FailedPrecondition (evaluate.go:50, registry.go:276)',
      run: () => contract.evaluate('get', { arguments: ['k'], endorsingOrganizations: ['NoSuchMSP'] }),
      expected: {
        code: S.FAILED_PRECONDITION,
        message: `no peers available to evaluate chaincode conformance in channel ${CHANNEL}`,
        details: [],
      },
    },
    {
      name: 'Evaluate: the chaincode throws → Unknown, not retried (evaluate.go:83, apiutils.go:51)',
      run: () => contract.evaluateTransaction('fail', 'boom'),
      expected: {
        code: S.UNKNOWN,
        message: 'evaluate call to endorser returned error: chaincode response 500, boom',
        details: [{ mspId: 'Org1MSP', message: 'chaincode response 500, boom' }],
      },
    },
    {
      name: 'Evaluate: creator not a writer → FailedPrecondition (evaluate.go:83, apiutils.go:38)',
      run: () =>
        peerGateway.gateway.getNetwork(CHANNEL).getContract('conformance').evaluateTransaction('get', 'k'),
      expected: {
        code: S.FAILED_PRECONDITION,
        message: `evaluate call to endorser returned error: ${ACCESS_DENIED}`,
        details: [{ mspId: 'Org1MSP', message: ACCESS_DENIED }],
      },
    },
    {
      name: 'Evaluate: creator from an unknown CA → FailedPrecondition (evaluate.go:83, apiutils.go:38)',
      run: () =>
        foreignGateway.gateway.getNetwork(CHANNEL).getContract('conformance').evaluateTransaction('get', 'k'),
      expected: {
        code: S.FAILED_PRECONDITION,
        message: `evaluate call to endorser returned error: ${ACCESS_DENIED}`,
        details: [{ mspId: 'Org1MSP', message: ACCESS_DENIED }],
      },
    },
    // ---- Endorse
    {
      name: 'Endorse: no proposal → InvalidArgument (endorse.go:30)',
      run: () => rawUnary(client, 'Endorse', new gateway.EndorseRequest()),
      expected: {
        code: S.INVALID_ARGUMENT,
        message: 'the proposed transaction must contain a signed proposal',
        details: [],
      },
    },
    {
      name: 'Endorse: proposal bytes that are not a Proposal → InvalidArgument (endorse.go:34)',
      run: () => {
        const request = new gateway.EndorseRequest();
        request.setProposedTransaction(signedGarbage());
        return rawUnary(client, 'Endorse', request);
      },
      expected: (o) => {
        expect(o.code).toBe(S.INVALID_ARGUMENT);
        expect(o.message).toMatch(/^error unmarshalling Proposal: /);
      },
    },
    {
      name: 'Endorse: unknown chaincode → FailedPrecondition (endorse.go:187, registry.go:62)',
      run: () => network.getContract('nonexistent').submitTransaction('get', 'k'),
      expected: {
        code: S.FAILED_PRECONDITION,
        message: `no combination of peers can be derived which satisfy the endorsement policy: No metadata was found for chaincode nonexistent in channel ${CHANNEL}`,
        details: [],
      },
    },
    {
      name: 'Endorse: unknown channel → FailedPrecondition (endorse.go:187, registry.go:62)',
      run: () => other.getContract('conformance').submitTransaction('get', 'k'),
      expected: {
        code: S.FAILED_PRECONDITION,
        message:
          'no combination of peers can be derived which satisfy the endorsement policy: No metadata was found for chaincode conformance in channel otherchannel',
        details: [],
      },
    },
    {
      name: 'Endorse: unknown chaincode with transient data → FailedPrecondition (endorse.go:182)',
      run: () =>
        network
          .getContract('nonexistent')
          .submit('transient', { arguments: ['s'], transientData: { s: 'x' } }),
      expected: {
        code: S.FAILED_PRECONDITION,
        message:
          "no endorsers found in the gateway's organization; retry specifying endorsing organization(s) to protect transient data",
        details: [],
      },
    },
    {
      name: 'Endorse: endorsing organisation with no peer → Unavailable (endorse.go:65, registry.go:177)',
      run: () =>
        contract.submit('put', { arguments: ['k', 'v'], endorsingOrganizations: ['Org1MSP', 'NoSuchMSP'] }),
      expected: {
        code: S.UNAVAILABLE,
        message: 'failed to find any endorsing peers for org(s): NoSuchMSP',
        details: [],
      },
    },
    {
      name: 'Endorse: the first endorser refuses (chaincode throws) → Aborted, one detail (endorse.go:228, apiutils.go:51)',
      run: () => contract.submitTransaction('fail', 'bang'),
      expected: {
        code: S.ABORTED,
        message: 'failed to endorse transaction, see attached details for more info',
        details: [{ mspId: 'Org1MSP', message: 'chaincode response 500, bang' }],
      },
    },
    {
      name: 'Endorse: creator not a writer → Aborted with the validation error (endorse.go:228, apiutils.go:38)',
      run: () =>
        peerGateway.gateway.getNetwork(CHANNEL).getContract('conformance').submitTransaction('put', 'k', 'v'),
      expected: {
        code: S.ABORTED,
        message: 'failed to endorse transaction, see attached details for more info',
        details: [{ mspId: 'Org1MSP', message: ACCESS_DENIED }],
      },
    },
    {
      name: 'Endorse: chosen organisations refuse → Aborted, a detail each (endorse.go:108, apiutils.go:51)',
      run: () =>
        contract.submit('fail', { arguments: ['no'], endorsingOrganizations: ['Org1MSP', 'Org2MSP'] }),
      expected: {
        code: S.ABORTED,
        message: 'failed to collect enough transaction endorsements, see attached details for more info',
        details: [
          { mspId: 'Org1MSP', message: 'chaincode response 500, no' },
          { mspId: 'Org2MSP', message: 'chaincode response 500, no' },
        ],
      },
    },
    {
      name: 'Endorse: results differ → Aborted, every other layout tried (endorse.go:108, endorsement.go:133)',
      run: () => contract.submitTransaction('nondeterministic'),
      expected: (o) => {
        expect(o.code).toBe(S.ABORTED);
        expect(o.message).toBe(
          'failed to collect enough transaction endorsements, see attached details for more info',
        );
        expect(o.details.map((d) => d.mspId)).toEqual(['Org2MSP', 'Org3MSP']);
        for (const detail of o.details)
          expect(detail.message).toMatch(/^ProposalResponsePayloads do not match/);
      },
    },
    {
      name: 'Endorse: no set of peers satisfies the policy → FailedPrecondition after the first endorsement (endorse.go:264, discovery endorsement.go:174)',
      run: () => network.getContract('adminonly').submitTransaction('put', 'k', 'v'),
      expected: {
        code: S.FAILED_PRECONDITION,
        message:
          'no combination of peers can be derived which satisfy the endorsement policy: no peer combination can satisfy the endorsement policy',
        details: [],
      },
    },
    // ---- Submit
    {
      name: 'Submit: no prepared transaction → InvalidArgument (submit.go:33)',
      run: () => rawUnary(client, 'Submit', new gateway.SubmitRequest()),
      expected: { code: S.INVALID_ARGUMENT, message: 'a prepared transaction is required', details: [] },
    },
    {
      name: 'Submit: unsigned → InvalidArgument (submit.go:36)',
      run: () => {
        const request = new gateway.SubmitRequest();
        request.setChannelId(CHANNEL);
        request.setPreparedTransaction(new common.Envelope());
        return rawUnary(client, 'Submit', request);
      },
      expected: { code: S.INVALID_ARGUMENT, message: 'prepared transaction must be signed', details: [] },
    },
    {
      name: 'Submit: unknown channel → FailedPrecondition (submit.go:40, registry.go:437)',
      run: () => {
        const envelope = new common.Envelope();
        envelope.setSignature(Buffer.from([1]));
        const request = new gateway.SubmitRequest();
        request.setChannelId('otherchannel');
        request.setPreparedTransaction(envelope);
        return rawUnary(client, 'Submit', request);
      },
      expected: {
        code: S.FAILED_PRECONDITION,
        message:
          'failed to get config for channel [otherchannel]: could not get last config for channel otherchannel',
        details: [],
      },
    },
    {
      name: 'Submit: the orderer refuses (bad signature) → Aborted with status and info, no details (submit.go:89, sigfilter.go)',
      run: async () => {
        const transaction = await contract.newProposal('put', { arguments: ['k', 'v'] }).endorse();
        const prepared = gateway.PreparedTransaction.deserializeBinary(transaction.getBytes());
        const envelope = prepared.getEnvelope() as common.Envelope;
        envelope.setSignature(Buffer.from('not a signature'));
        const request = new gateway.SubmitRequest();
        request.setChannelId(CHANNEL);
        request.setTransactionId(transaction.getTransactionId());
        request.setPreparedTransaction(envelope);
        return rawUnary(client, 'Submit', request);
      },
      expected: {
        code: S.ABORTED,
        message: `received unsuccessful response from orderer: status=FORBIDDEN, info=${WRITERS_DENIED}`,
        details: [],
      },
    },
    // ---- CommitStatus
    {
      name: 'CommitStatus: no request → InvalidArgument (commitstatus.go:28)',
      run: () => rawUnary(client, 'CommitStatus', new gateway.SignedCommitStatusRequest()),
      expected: { code: S.INVALID_ARGUMENT, message: 'a commit status request is required', details: [] },
    },
    {
      name: 'CommitStatus: unknown channel → PermissionDenied (commitstatus.go:42, core/policy/policy.go)',
      run: () => rawUnary(client, 'CommitStatus', commitStatusRequest('otherchannel')),
      expected: {
        code: S.PERMISSION_DENIED,
        message: 'Failed to get policy manager for channel [otherchannel]',
        details: [],
      },
    },
    {
      name: 'CommitStatus: signer not a reader → PermissionDenied (commitstatus.go:42, core/policy/policy.go)',
      run: () => rawUnary(client, 'CommitStatus', commitStatusRequest(CHANNEL, signingIdentityFrom(foreign))),
      expected: { code: S.PERMISSION_DENIED, message: READERS_DENIED, details: [] },
    },
    // ---- ChaincodeEvents
    {
      name: 'ChaincodeEvents: no request → InvalidArgument (chaincodeevents.go:31)',
      run: () => rawChaincodeEvents(client, new gateway.SignedChaincodeEventsRequest()),
      expected: { code: S.INVALID_ARGUMENT, message: 'a chaincode events request is required', details: [] },
    },
    {
      name: 'ChaincodeEvents: unknown channel → PermissionDenied (chaincodeevents.go:45)',
      run: async () => {
        const events = await other.getChaincodeEvents('conformance');
        try {
          return await events[Symbol.asyncIterator]().next();
        } finally {
          events.close();
        }
      },
      expected: {
        code: S.PERMISSION_DENIED,
        message: 'Failed to get policy manager for channel [otherchannel]',
        details: [],
      },
    },
    {
      name: 'ChaincodeEvents: start position OLDEST → InvalidArgument (chaincodeevents.go:139)',
      run: () => {
        const position = new orderer.SeekPosition();
        position.setOldest(new orderer.SeekOldest());
        return rawChaincodeEvents(client, eventsRequest(position));
      },
      expected: {
        code: S.INVALID_ARGUMENT,
        message: 'invalid start position type: *orderer.SeekPosition_Oldest',
        details: [],
      },
    },
    // ---- last: kills the chaincode three times (it is relaunched for each organisation)
    {
      name: 'Evaluate: the chaincode crashes → retried on every organisation, then Aborted (evaluate.go:86, apiutils.go:45)',
      run: () => contract.evaluateTransaction('crash'),
      expected: (o) => {
        expect(o.code).toBe(S.ABORTED);
        expect(o.message).toBe('failed to evaluate transaction, see attached details for more info');
        expect(o.details.map((d) => d.mspId)).toEqual(['Org1MSP', 'Org2MSP', 'Org3MSP']);
        for (const detail of o.details) {
          expect(detail.message).toMatch(
            /^error in simulation: failed to execute transaction [0-9a-f]{64}: error sending: chaincode stream terminated$/,
          );
        }
      },
    },
  ];

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, testCase) => {
    const answer = await failure(testCase.run);
    if (typeof testCase.expected === 'function') testCase.expected(answer);
    else expect(answer).toEqual(testCase.expected);
  });
});
