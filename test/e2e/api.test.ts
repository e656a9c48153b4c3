/**
 * End to end: the REST API over the real stack (devnet + chaincode + three validator agents + two front-end
 * nodes, each with its own SoftHSM token), driven like a curl session: set a policy, rotate now, approve
 * until committed, encrypt, decrypt, report a compromise, and the 4xx answers to malformed and unauthorised
 * requests. Every ledger call runs as the authenticated caller's own Fabric identity.
 */
import { randomBytes } from 'node:crypto';
import {
  createApp,
  fabricIdentityResolver,
  hsmTokenCheck,
  ledgerReachableCheck,
  startApiServer,
  type ApiServer,
} from '../../gateway/src/api';
import type { FabricConfig } from '../../gateway/src/fabric';
import { governanceApi } from '../../gateway/src/governance';
import { HsmToken } from '../../gateway/src/hsm';
import type { ApiCaller } from '../../gateway/src/http';
import { rotationApi } from '../../gateway/src/rotation';
import type { FrontendNodeHandle, ValidatorAgentHandle } from '../../gateway/src/rotation/types';
import { startStack, type Stack } from './support/stack';
import { eventually } from './support/eventually';

jest.setTimeout(180_000);

interface Participant {
  readonly name: string;
  readonly caller: ApiCaller;
}

interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

describe('REST API over the real stack', () => {
  let stack: Stack;
  let server: ApiServer;
  let hsmToken: HsmToken | undefined;
  let fabric: ReturnType<typeof fabricIdentityResolver> | undefined;
  const tokens = new Map<string, string>();
  let admin: Participant;
  let validators: Participant[];
  let frontends: Participant[];
  let outsider: Participant;
  let manualProposalId = 'none';

  async function call(
    method: string,
    path: string,
    options: { as?: Participant; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
  ): Promise<Reply> {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.as) {
      headers.authorization = `Bearer ${tokens.get(options.as.name)}`;
    }
    let body: string | undefined = options.raw;
    if (body === undefined && options.body !== undefined) {
      body = JSON.stringify(options.body);
    }
    if (body !== undefined) {
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${server.url}${path}`, { method, headers, body });
    const text = await response.text();
    return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : undefined };
  }

  function expectProblem(reply: Reply, status: number): void {
    expect({ status: reply.status, type: reply.headers.get('content-type') }).toEqual({
      status,
      type: 'application/problem+json; charset=utf-8',
    });
    expect(reply.json.detail).toEqual(expect.any(String));
  }

  beforeAll(async () => {
    stack = await startStack();
    // Every caller gets its own connection, ledger clients and approval signer: its own Fabric identity.
    const stranger = await stack.newIdentity(2, `outsider-${randomBytes(3).toString('hex')}`);
    const identities: { name: string; fabric: FabricConfig }[] = [
      { name: 'admin', fabric: stack.admin.fabric },
      ...stack.validatorMembers.map((member) => ({ name: member.name, fabric: member.fabric })),
      ...stack.frontendMembers.map((member) => ({ name: member.name, fabric: member.fabric })),
      { name: 'outsider', fabric: stack.fabricConfig(stranger) },
    ];
    for (const { name } of identities) {
      tokens.set(name, `e2e-${randomBytes(24).toString('base64url')}`);
    }
    fabric = fabricIdentityResolver(
      identities.map((entry) => ({ ...entry, tokens: [tokens.get(entry.name) as string] })),
    );
    const participant = (name: string): Participant => ({
      name,
      caller: fabric?.callers.get(name) as ApiCaller,
    });
    admin = participant('admin');
    validators = stack.validatorMembers.map((member) => participant(member.name));
    frontends = stack.frontendMembers.map((member) => participant(member.name));
    outsider = participant('outsider');
    const member = stack.frontendMembers[0];
    hsmToken = member ? HsmToken.open(member.token) : undefined;
    const agents = new Map<string, ValidatorAgentHandle>();
    for (const agent of stack.validators) {
      if (agent) {
        agents.set(agent.name, agent);
      }
    }
    const nodes = new Map<string, FrontendNodeHandle>();
    for (const node of stack.frontends) {
      if (node) {
        nodes.set(node.name, node);
      }
    }
    server = await startApiServer({
      app: createApp({
        identities: fabric.resolver,
        modules: [governanceApi(), rotationApi({ validators: agents, frontends: nodes })],
        health: [
          ledgerReachableCheck('ledger', () => stack.admin.ledger.listQueues()),
          ...(hsmToken ? [hsmTokenCheck('hsm', hsmToken)] : []),
        ],
      }),
      host: '127.0.0.1',
      port: 0,
    });
  });

  afterAll(async () => {
    await server?.close();
    hsmToken?.close();
    fabric?.close();
    await stack?.stop();
  });

  const queueId = `e2e-api.${randomBytes(3).toString('hex')}`;
  const queuePath = `/v1/queues/${encodeURIComponent(queueId)}`;
  // minRotationIntervalMs 0: this test rotates right after the first key.
  const policy = {
    rotationIntervalMs: 3_600_000,
    maxMessages: 10_000,
    algorithm: 'AES-256-GCM',
    minRotationIntervalMs: 0,
  };

  /** Waits until the queue's active key is `version` and no proposal is open. */
  async function settledOn(version: number): Promise<void> {
    await eventually(`version ${version} committed with no proposal open`, async () => {
      const key = await call('GET', `${queuePath}/key`, { as: admin });
      expect(key.status).toBe(200);
      return key.json.active?.version === version && key.json.due.openProposal === null ? true : undefined;
    });
  }

  /** Approves as each validator that has not voted yet (their agents may beat us to it) until committed. */
  async function approveUntilCommitted(proposalId: string): Promise<Record<string, unknown>> {
    return eventually(`proposal ${proposalId} to commit`, async () => {
      const proposal = await call('GET', `/v1/proposals/${proposalId}`, { as: admin });
      expect(proposal.status).toBe(200);
      if (proposal.json.status === 'committed') {
        return proposal.json as Record<string, unknown>;
      }
      expect(proposal.json.status).toBe('open');
      const voted = new Set((proposal.json.approvals as { fingerprint: string }[]).map((a) => a.fingerprint));
      const next = validators.find((validator) => !voted.has(validator.caller.fingerprint));
      if (next) {
        const approved = await call('POST', `/v1/proposals/${proposalId}/approve`, { as: next });
        expect([200, 409]).toContain(approved.status);
      }
      return undefined;
    });
  }

  /** Waits until a front-end node reports `version` as its current key for the queue. */
  async function nodeOn(node: string, version: number): Promise<void> {
    await eventually(`${node} to hold version ${version}`, async () => {
      const versions = await call('GET', `${queuePath}/frontends/${node}/versions`, { as: admin });
      expect(versions.status).toBe(200);
      return (versions.json.versions as { version: number; current: boolean }[]).some(
        (entry) => entry.version === version && entry.current,
      )
        ? true
        : undefined;
    });
  }

  it('health, whoami and the OpenAPI document', async () => {
    const health = await call('GET', '/health');
    expect(health.status).toBe(200);
    expect(health.json).toMatchObject({
      status: 'ok',
      checks: { ledger: { status: 'ok' }, hsm: { status: 'ok' } },
    });
    const me = await call('GET', '/v1/whoami', { as: validators[0] as Participant });
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({
      name: 'validator1',
      authenticatedBy: 'bearer',
      roles: ['validator'],
      validatorAgent: 'validator1',
      frontendNode: null,
    });
    const nobody = await call('GET', '/v1/whoami', { as: outsider });
    expect(nobody.json).toMatchObject({ roles: [], member: null });
    expect((await call('GET', '/v1/openapi.json')).json.openapi).toBe('3.1.0');
  });

  it('set a policy, rotate now, approve until committed, encrypt, decrypt, report a compromise', async () => {
    const created = await call('PUT', `${queuePath}/policy`, {
      as: admin,
      body: policy,
      headers: { 'idempotency-key': `policy-${queueId}` },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`${queuePath}/policy`);
    const listed = await call('GET', '/v1/queues', { as: frontends[0] as Participant });
    expect(listed.json.items).toContainEqual(expect.objectContaining({ queueId }));

    // The validators propose the initial key on their own ('initial' is due); let it commit first.
    await settledOn(1);

    const proposer = validators[0] as Participant;
    const rotated = await call('POST', `${queuePath}/rotate`, {
      as: proposer,
      body: { reason: 'manual' },
      headers: { 'idempotency-key': `rotate-${queueId}` },
    });
    expect(rotated.status).toBe(202);
    expect(rotated.json).toMatchObject({ queueId, version: 2, reason: 'manual', status: 'open' });
    const proposalId = rotated.json.proposalId as string;
    manualProposalId = proposalId;
    expect(rotated.headers.get('location')).toBe(`/v1/proposals/${proposalId}`);
    const replay = await call('POST', `${queuePath}/rotate`, {
      as: proposer,
      body: { reason: 'manual' },
      headers: { 'idempotency-key': `rotate-${queueId}` },
    });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.json.proposalId).toBe(proposalId);

    const committed = await approveUntilCommitted(proposalId);
    expect(committed).toMatchObject({ queueId, version: 2, status: 'committed' });
    await settledOn(2);
    const names = stack.frontendMembers.map((member) => member.name);
    for (const name of names) {
      await nodeOn(name, 2);
    }

    const message = Buffer.from(`hello ${queueId}`);
    const sealed = await call('POST', `${queuePath}/encrypt`, {
      as: frontends[0] as Participant,
      body: { plaintext: message.toString('base64') },
    });
    expect(sealed.status).toBe(200);
    expect(sealed.json).toMatchObject({ queueId, version: 2, frontend: names[0] });
    const opened = await call('POST', `${queuePath}/decrypt`, {
      as: frontends[1] as Participant,
      body: { envelope: sealed.json.envelope },
    });
    expect(opened.status).toBe(200);
    expect(opened.json.frontend).toBe(names[1]);
    expect(Buffer.from(opened.json.plaintext, 'base64').equals(message)).toBe(true);

    const tampered = Buffer.from(sealed.json.envelope, 'base64');
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 0xff;
    expectProblem(
      await call('POST', `${queuePath}/decrypt`, {
        as: frontends[0] as Participant,
        body: { envelope: tampered.toString('base64') },
      }),
      422,
    );
    const late = await call('POST', `/v1/proposals/${proposalId}/approve`, {
      as: validators[2] as Participant,
    });
    expectProblem(late, 409);

    const compromised = await call('POST', `${queuePath}/compromise`, {
      as: validators[1] as Participant,
      body: { version: 2, reason: 'e2e: key material suspected leaked' },
    });
    expect([201, 202]).toContain(compromised.status);
    expect(compromised.json).toMatchObject({ queueId, version: 3, reason: 'compromise' });
    await approveUntilCommitted(compromised.json.proposalId as string);
    await settledOn(3);
    const key = await call('GET', `${queuePath}/key`, { as: admin });
    expect(key.json.active).toMatchObject({ version: 3, compromised: false });
    const history = await call('GET', `${queuePath}/history`, { as: admin });
    expect(history.json.rotations.map((rotation: { version: number }) => rotation.version)).toEqual([
      1, 2, 3,
    ]);
    expect(history.json.rotations[1]).toMatchObject({ version: 2, proposalId, compromised: true });

    // New messages are sealed under the replacement version.
    await nodeOn(names[0] as string, 3);
    const again = await call('POST', `${queuePath}/encrypt`, {
      as: frontends[0] as Participant,
      body: { plaintext: message.toString('base64') },
    });
    expect(again.json.version).toBe(3);
  });

  it('rejects malformed and unauthorised requests with clear 4xx', async () => {
    const missing = await call('GET', '/v1/queues');
    expectProblem(missing, 401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="keyledger"');
    expectProblem(
      await call('GET', '/v1/queues', { headers: { authorization: 'Bearer forged-token-000000000' } }),
      401,
    );

    const malformed = await call('PUT', `${queuePath}/policy`, { as: admin, raw: '{"rotationIntervalMs":' });
    expectProblem(malformed, 400);
    expect(malformed.json.detail).toMatch(/not valid JSON/);
    const invalid = await call('PUT', `${queuePath}/policy`, {
      as: admin,
      body: { ...policy, maxMessages: 0 },
    });
    expectProblem(invalid, 400);
    expect(invalid.json.errors).toEqual([expect.objectContaining({ path: 'body.maxMessages' })]);
    expectProblem(await call('GET', '/v1/queues/-bad-id-/key', { as: admin }), 400);

    // The chaincode's own role checks, as the caller.
    const notAdmin = await call('PUT', `${queuePath}/policy`, {
      as: frontends[0] as Participant,
      body: policy,
    });
    expectProblem(notAdmin, 403);
    expect(notAdmin.json.ledgerErrorKind).toBe('FORBIDDEN');
    expectProblem(await call('GET', '/v1/queues', { as: outsider }), 403);
    const vote = await call('POST', `/v1/proposals/${manualProposalId}/approve`, { as: admin });
    expectProblem(vote, 403);
    expect(vote.json.ledgerErrorKind).toBe('FORBIDDEN');
    // Local checks: only validators rotate, only front-ends encrypt.
    expectProblem(await call('POST', `${queuePath}/rotate`, { as: admin }), 403);
    expectProblem(
      await call('POST', `${queuePath}/encrypt?frontend=${stack.frontendMembers[0]?.name}`, {
        as: validators[0] as Participant,
        body: { plaintext: 'aGk=' },
      }),
      403,
    );

    const unknown = await call('GET', '/v1/queues/no-such-queue/key', { as: admin });
    expectProblem(unknown, 404);
    expect(unknown.json.ledgerErrorKind).toBe('NOT_FOUND');
    expectProblem(await call('GET', '/v1/proposals/no-such-proposal', { as: admin }), 404);
    expectProblem(await call('DELETE', `${queuePath}/policy`, { as: admin }), 405);
    expectProblem(
      await call('PUT', `${queuePath}/policy`, {
        as: admin,
        raw: 'x=1',
        headers: { 'content-type': 'text/plain' },
      }),
      415,
    );
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain('keyledger_ledger_errors_total{contract="KeyRotation",kind="NOT_FOUND"}');
    expect(metrics).toContain('keyledger_crypto_operations_total{operation="encrypt"');
  });
});
