import { createPrivateKey, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { signers } from '@hyperledger/fabric-gateway';
import { digestPayload } from '@keyledger/chaincode/protocol';
import { FabricConnection } from '../../gateway/src/fabric';
import {
  destroyKey,
  findKey,
  findKeys,
  generateAesKey,
  HsmToken,
  keyCheckValue,
  unwrapKeyFromSender,
  wrapKeyForRecipient,
} from '../../gateway/src/hsm';
import {
  ENVELOPE_OVERHEAD,
  keyVersionLabel,
  KeyUnavailableError,
  ValidatorAgent,
  wrapContext,
  wrappingPointOf,
  type CommittedRotationView,
  type FrontendNode,
  type RotationLedger,
  type RotationProposal,
} from '../../gateway/src/rotation';
import { readSessionKey } from '../../gateway/src/rotation/ciphers';
import { writeEnvelopeHeader } from '../../gateway/src/rotation/envelope';
import { signPayload } from '../../gateway/src/fabric';
import { startStack, type Member, type Stack } from './support/stack';
import { eventually } from './support/eventually';

jest.setTimeout(180_000);

const LONG = 3_600_000;

/** Every plaintext the tests encrypt: none may appear on the ledger or in a log. */
const plaintexts: string[] = [];
function message(text: string): Buffer {
  const value = `${text} #${randomBytes(6).toString('hex')}`;
  plaintexts.push(value);
  return Buffer.from(value, 'utf8');
}

function expectUnavailable(action: () => unknown, code: KeyUnavailableError['code']): void {
  let thrown: unknown;
  try {
    action();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(KeyUnavailableError);
  expect((thrown as KeyUnavailableError).code).toBe(code);
}

/**
 * A validator acting by hand (not through its agent): generates a key in its token, wraps it for every
 * front-end and proposes it — optionally lying about the key check value, as a byzantine validator would.
 */
async function craftProposal(
  stack: Stack,
  proposer: Member,
  queueId: string,
  options: { reason: RotationProposal['reason']; lieAboutKeyCheckValue?: boolean },
): Promise<RotationProposal> {
  const ledger = stack.ledgerAs(proposer);
  const due = await ledger.isRotationDue(queueId);
  const version = due.activeVersion + 1;
  const frontends = await stack.governanceAs(proposer).listMembers('frontend');
  const keyId = `${queueId}.v${version}.${randomBytes(8).toString('hex')}`;
  const token = HsmToken.open(proposer.token);
  try {
    const key = generateAesKey(token, { label: `crafted/${keyId}`, extractable: true });
    const decoy = generateAesKey(token, { label: `decoy/${keyId}` });
    try {
      const kcv = keyCheckValue(token, options.lieAboutKeyCheckValue ? decoy : key);
      const wrappedKeys = frontends.map((member) => {
        const wrapped = wrapKeyForRecipient(
          token,
          key,
          wrappingPointOf(member),
          wrapContext(queueId, version, keyId),
        );
        return {
          mspId: member.mspId,
          fingerprint: member.fingerprint,
          wrappedKey: wrapped.wrappedKey.toString('base64'),
          ephemeralPublicKey: wrapped.ephemeralPublicKey.toString('base64'),
        };
      });
      const input = {
        queueId,
        version,
        keyId,
        keyCheckValue: kcv,
        wrappedKeys,
        notBefore: Date.now(),
        reason: options.reason,
      };
      const signer = signers.newPrivateKeySigner(createPrivateKey(proposer.files.keyPem));
      const payload = digestPayload({
        ...input,
        proposer: { mspId: proposer.files.mspId, fingerprint: proposer.fingerprint },
      });
      const signature = Buffer.from(await signPayload(signer, payload)).toString('base64');
      return await ledger.proposeRotation({ ...input, signature });
    } finally {
      destroyKey(token, key);
      destroyKey(token, decoy);
    }
  } finally {
    token.close();
  }
}

async function committedRotation(
  ledger: RotationLedger,
  queueId: string,
  version: number,
): Promise<CommittedRotationView | undefined> {
  const rotations = await ledger.getRotationsSince(queueId, version - 1);
  return rotations.find((rotation) => rotation.version === version);
}

describe('key rotation end to end (devnet + chaincode + SoftHSM)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const frontend = (index: number): FrontendNode => {
    const node = stack.frontends[index];
    if (!node) {
      throw new Error(`front-end ${index} is not running`);
    }
    return node;
  };
  const validator = (index: number): ValidatorAgent => {
    const agent = stack.validators[index];
    if (!agent) {
      throw new Error(`validator ${index} is not running`);
    }
    return agent;
  };

  it('scheduled rotation: short interval → proposal → quorum → both front-ends switch; older messages still decrypt', async () => {
    await stack.setPolicy({ queueId: 'sched', rotationIntervalMs: 3_000, maxMessages: 1_000_000 });
    await stack.allOnVersion('sched', 1);
    const before = await frontend(0).encrypt('sched', message('sealed before the rotation'));
    expect(before.version).toBe(1);

    await stack.allOnVersion('sched', 2, 30_000);
    // Stop further rotations of this queue before looking closer.
    await stack.setPolicy({ queueId: 'sched', rotationIntervalMs: LONG, maxMessages: 1_000_000 });
    const rotation = await committedRotation(stack.admin.ledger, 'sched', 2);
    expect(rotation?.reason).toBe('schedule');
    const approvers = new Set(
      rotation!.approvals.map((approval) => `${approval.mspId}/${approval.fingerprint}`),
    );
    expect(approvers.size).toBeGreaterThanOrEqual(2);
    expect(rotation!.approvals.every((approval) => approval.signature && approval.certificate)).toBe(true);

    for (const node of [frontend(0), frontend(1)]) {
      const versions = node.keyVersions('sched');
      expect(versions.find((entry) => entry.current)?.version).toBeGreaterThanOrEqual(2);
      expect(versions.some((entry) => entry.version === 1)).toBe(true);
      // Never key material: exactly the public fields of a version.
      expect(Object.keys(versions[0]!).sort()).toEqual(
        ['committedAt', 'compromised', 'current', 'keyCheckValue', 'keyId', 'version'].sort(),
      );
    }
    // The message sealed under version 1 opens on the other front-end after the switch.
    expect(Buffer.from(frontend(1).open('sched', before.envelope)).toString()).toBe(plaintexts.at(-1));
    const after = await frontend(1).encrypt('sched', message('sealed after the rotation'));
    expect(after.version).toBeGreaterThanOrEqual(2);
    expect(Buffer.from(frontend(0).open('sched', after.envelope)).toString()).toBe(plaintexts.at(-1));
    // A message of one queue does not open as another queue's.
    await stack.setPolicy({ queueId: 'sched-other', rotationIntervalMs: LONG, maxMessages: 1_000_000 });
    await stack.allOnVersion('sched-other', 1);
    await expect(frontend(0).decrypt('sched-other', after.envelope)).rejects.toThrow();
  });

  it('volume-triggered rotation: front-ends report counts in batches; the limit makes validators rotate', async () => {
    await stack.setPolicy({ queueId: 'volume', rotationIntervalMs: LONG, maxMessages: 40 });
    await stack.allOnVersion('volume', 1);
    const reportsBefore = frontend(0).metrics().volume.reports + frontend(1).metrics().volume.reports;
    const early = await frontend(0).encrypt('volume', message('early'));
    for (let i = 0; i < 24; i += 1) {
      await frontend(0).encrypt('volume', Buffer.from(`bulk ${i}`));
      await frontend(1).encrypt('volume', Buffer.from(`bulk ${i}`));
    }
    await Promise.all([frontend(0).flushVolume(), frontend(1).flushVolume()]);
    await stack.allOnVersion('volume', 2, 30_000);
    const rotation = await committedRotation(stack.admin.ledger, 'volume', 2);
    expect(rotation?.reason).toBe('volume');
    // 49 messages took a handful of reports, not 49.
    const reports =
      frontend(0).metrics().volume.reports + frontend(1).metrics().volume.reports - reportsBefore;
    expect(reports).toBeGreaterThanOrEqual(2);
    expect(reports).toBeLessThan(10);
    const due = await stack.admin.ledger.isRotationDue('volume');
    expect(due.activeVersion).toBe(2);
    expect(due.messages).toBe(0);
    expect(Buffer.from(frontend(1).open('volume', early.envelope)).toString()).toMatch(/^early/);
  });

  it('compromise-triggered rotation: the compromised version stops encrypting at once and is replaced', async () => {
    await stack.setPolicy({ queueId: 'comp', rotationIntervalMs: LONG, maxMessages: 1_000_000 });
    await stack.allOnVersion('comp', 1);
    const old = await frontend(0).encrypt('comp', message('before the compromise'));

    // With the validators paused, the report alone must stop encryption under version 1.
    await Promise.all([0, 1, 2].map((i) => stack.stopValidator(i)));
    try {
      await stack.admin.ledger.reportCompromise('comp', 1, 'key custodian laptop stolen');
      for (const index of [0, 1]) {
        await eventually('front-end to see the compromise', () =>
          frontend(index)
            .keyVersions('comp')
            .find((entry) => entry.version === 1)?.compromised
            ? true
            : undefined,
        );
        expectUnavailable(() => frontend(index).seal('comp', Buffer.from('x')), 'NO_USABLE_KEY');
        // Messages sealed before the report still open (within retention).
        expect(frontend(index).open('comp', old.envelope).toString()).toMatch(/^before the compromise/);
      }
    } finally {
      for (const i of [0, 1, 2]) {
        await stack.startValidator(i);
      }
    }
    await stack.allOnVersion('comp', 2);
    expect((await committedRotation(stack.admin.ledger, 'comp', 2))?.reason).toBe('compromise');
    expect((await frontend(1).encrypt('comp', Buffer.from('y'))).version).toBe(2);

    // The agent's own API: report version 2 and get the replacement proposal back.
    const replacement = await validator(1).reportCompromise('comp', 2, 'found in a memory dump');
    expect(replacement.version).toBe(3);
    expect(replacement.reason).toBe('compromise');
    await stack.allOnVersion('comp', 3);
    // Version 1 may still be listed for a moment until retention destroys it; what matters is 2 and 3.
    const compromised = frontend(0)
      .keyVersions('comp')
      .filter((entry) => entry.compromised)
      .map((entry) => entry.version);
    expect(compromised).toContain(2);
    expect(compromised).not.toContain(3);
    expect(
      frontend(0)
        .keyVersions('comp')
        .find((entry) => entry.current)?.version,
    ).toBe(3);
  });

  it("a non-validator's proposal is rejected", async () => {
    await stack.setPolicy({ queueId: 'outsider', rotationIntervalMs: LONG, maxMessages: 1_000_000 });
    await stack.allOnVersion('outsider', 1);
    // A registered front-end trying to propose.
    const asFrontend = craftProposal(stack, stack.frontendMembers[0]!, 'outsider', { reason: 'manual' });
    await expect(asFrontend).rejects.toMatchObject({ kind: 'FORBIDDEN' });
    // An agent run with an identity the ledger does not know.
    const files = await stack.newIdentity(2, 'not-a-validator');
    const stranger = await ValidatorAgent.start({
      name: 'stranger',
      fabric: stack.fabricConfig(files),
      token: stack.validatorMembers[1]!.token,
      logger: stack.logger,
      autoPropose: false,
      autoVote: false,
      followEvents: false,
      pollIntervalMs: LONG,
    });
    try {
      await expect(stranger.rotateNow('outsider', 'manual')).rejects.toMatchObject({
        kind: 'FORBIDDEN',
        httpStatus: 403,
      });
    } finally {
      await stranger.stop();
    }
    expect((await stack.admin.ledger.isRotationDue('outsider')).activeVersion).toBe(1);
    expect(await stack.admin.ledger.getPendingRotation('outsider')).toBeNull();
  });

  it('validators reject an unjustified proposal with their reasons', async () => {
    await stack.setPolicy({ queueId: 'unjustified', rotationIntervalMs: LONG, maxMessages: 1_000_000 });
    await stack.allOnVersion('unjustified', 1);
    // Claims the volume limit was reached; the ledger says otherwise.
    const proposal = await craftProposal(stack, stack.validatorMembers[0]!, 'unjustified', {
      reason: 'volume',
    });
    const closed = await eventually('the proposal to be rejected', async () => {
      const current = await stack.admin.ledger.getRotation(proposal.proposalId);
      return current.status === 'rejected' ? current : undefined;
    });
    expect(closed.rejections.length).toBe(2);
    for (const rejection of closed.rejections) {
      expect(rejection.reason).toMatch(/reason 'volume' does not hold/);
    }
    expect(frontend(0).currentVersion('unjustified')).toBe(1);
  });

  it('a validator approving twice is rejected', async () => {
    await stack.setPolicy({
      queueId: 'twice',
      rotationIntervalMs: LONG,
      maxMessages: 1_000_000,
      retentionVersions: 3,
    });
    await stack.allOnVersion('twice', 1);
    await stack.stopValidator(1);
    await stack.stopValidator(2);
    let proposal: RotationProposal;
    try {
      proposal = await validator(0).rotateNow('twice', 'manual');
      expect(proposal.status).toBe('open');
      const proposer = stack.ledgerAs(stack.validatorMembers[0]!);
      // The proposer's proposal already counts as its approval.
      await expect(proposer.approveRotation(proposal.proposalId, '')).rejects.toMatchObject({
        kind: 'CONFLICT',
        message: expect.stringMatching(/already approved/),
      });
      const second = stack.ledgerAs(stack.validatorMembers[1]!);
      const committed = await second.approveRotation(proposal.proposalId, '');
      expect(committed.status).toBe('committed');
      await expect(second.approveRotation(proposal.proposalId, '')).rejects.toMatchObject({
        kind: 'CONFLICT',
      });
    } finally {
      await stack.startValidator(1);
      await stack.startValidator(2);
    }
    // Front-ends require signed approvals: the unsigned second approval leaves the commit one signature short.
    // They refuse it, never use it, and report it so that the validators replace it.
    await stack.allOnVersion('twice', 3);
    for (const index of [0, 1]) {
      const refusal = frontend(index)
        .refusedVersions('twice')
        .find((entry) => entry.version === 2);
      expect(refusal?.reason).toMatch(/only 1 valid approval/);
      expect(
        frontend(index)
          .keyVersions('twice')
          .map((entry) => entry.version),
      ).toEqual([1, 3]);
    }
    expect((await committedRotation(stack.admin.ledger, 'twice', 2))?.compromised).toBe(true);
    expect((await committedRotation(stack.admin.ledger, 'twice', 3))?.reason).toBe('compromise');
  });

  it('a proposal whose wrapped key does not match its key check value is refused by front-ends and never used', async () => {
    // Retention counts ledger versions, the refused one included: keep three so version 1 stays.
    await stack.setPolicy({
      queueId: 'bad-kcv',
      rotationIntervalMs: LONG,
      maxMessages: 1_000_000,
      retentionVersions: 3,
    });
    await stack.allOnVersion('bad-kcv', 1);
    const honest = await frontend(0).encrypt('bad-kcv', message('under version 1'));
    // A byzantine validator proposes; the others cannot see inside the wrapped keys and approve.
    const proposal = await craftProposal(stack, stack.validatorMembers[0]!, 'bad-kcv', {
      reason: 'manual',
      lieAboutKeyCheckValue: true,
    });
    expect(proposal.version).toBe(2);
    for (const index of [0, 1]) {
      const refusal = await eventually('the refusal', () =>
        frontend(index)
          .refusedVersions('bad-kcv')
          .find((entry) => entry.version === 2),
      );
      expect(refusal.permanent).toBe(true);
      expect(refusal.reason).toMatch(/key check value mismatch/);
    }
    // The front-ends reported it, so the validators replace it.
    await stack.allOnVersion('bad-kcv', 3);
    const v2 = await committedRotation(stack.admin.ledger, 'bad-kcv', 2);
    expect(v2?.compromised).toBe(true);
    expect((await committedRotation(stack.admin.ledger, 'bad-kcv', 3))?.reason).toBe('compromise');
    for (const index of [0, 1]) {
      const node = frontend(index);
      expect(node.keyVersions('bad-kcv').map((entry) => entry.version)).not.toContain(2);
      expect(node.activations().some((a) => a.queueId === 'bad-kcv' && a.version === 2)).toBe(false);
      // No message was or can be sealed or opened with version 2.
      const forged = Buffer.alloc(ENVELOPE_OVERHEAD + 4);
      writeEnvelopeHeader(forged, 2);
      expectUnavailable(() => node.open('bad-kcv', forged), 'REFUSED_VERSION');
      expect(node.open('bad-kcv', honest.envelope).toString()).toMatch(/^under version 1/);
      const token = HsmToken.open(stack.frontendMembers[index]!.token);
      try {
        expect(findKeys(token, { keyClass: 'secret', label: keyVersionLabel('bad-kcv', 2) })).toHaveLength(0);
      } finally {
        token.close();
      }
    }
    expect(
      stack.logs.entries('committed key version refused: it will not be used').length,
    ).toBeGreaterThanOrEqual(2);
  });

  it('a front-end restarted mid-rotation catches up from its checkpoint', async () => {
    await stack.setPolicy({ queueId: 'restart', rotationIntervalMs: LONG, maxMessages: 1_000_000 });
    await stack.allOnVersion('restart', 1);
    const m1 = await frontend(0).encrypt('restart', message('version 1 message'));

    // Open a proposal with only the proposer's vote, then take front-end 1 down before it commits.
    await stack.stopValidator(1);
    await stack.stopValidator(2);
    const proposal = await validator(0).rotateNow('restart', 'manual');
    expect(proposal.status).toBe('open');
    const checkpointBefore = frontend(1).metrics().lastEventBlock;
    await stack.stopFrontend(1);
    await stack.startValidator(1);
    await stack.startValidator(2);
    await frontend(0).waitForVersion('restart', 2);
    const m2 = await frontend(0).encrypt('restart', message('version 2 message'));
    expect(m2.version).toBe(2);

    // Restart with neither the start-up catch-up nor polling: only the checkpointed event stream can bring it up.
    const restarted = await stack.startFrontend(1, { syncOnStart: false, pollIntervalMs: LONG });
    await restarted.waitForVersion('restart', 2, 30_000);
    expect(restarted.metrics().eventsHandled).toBeGreaterThan(0);
    expect(restarted.metrics().lastEventBlock! > (checkpointBefore ?? -1n)).toBe(true);
    expect(restarted.open('restart', m1.envelope).toString()).toMatch(/^version 1 message/);
    expect(restarted.open('restart', m2.envelope).toString()).toMatch(/^version 2 message/);
    // The token kept version 1 across the restart: found again, not unwrapped a second time; version 2 is
    // added to it (just after activation).
    const token = HsmToken.open(stack.frontendMembers[1]!.token);
    try {
      expect(findKeys(token, { keyClass: 'secret', label: keyVersionLabel('restart', 1) })).toHaveLength(1);
      await eventually('version 2 in the token', () =>
        findKeys(token, { keyClass: 'secret', label: keyVersionLabel('restart', 2) }).length === 1
          ? true
          : undefined,
      );
    } finally {
      token.close();
    }
    await restarted.syncAll(); // the poll path agrees
    expect(restarted.currentVersion('restart')).toBe(2);
    await stack.stopFrontend(1);
    await stack.startFrontend(1);
  });

  it('retention: a version past both the count and the time is destroyed and no longer decrypts — not before', async () => {
    // A burst of rotations must not destroy what is still within retentionMs: version 1 is kept until 30 s after
    // version 2 took over, although two versions are newer.
    await stack.setPolicy({
      queueId: 'retain',
      rotationIntervalMs: LONG,
      maxMessages: 1_000_000,
      retentionVersions: 2,
      retentionMs: 30_000,
    });
    await stack.allOnVersion('retain', 1);
    const v1 = await frontend(0).encrypt('retain', message('retained?'));
    for (const version of [2, 3]) {
      await validator(2).rotateNow('retain', 'manual');
      await stack.allOnVersion('retain', version);
    }
    const supersededAt = (await stack.admin.ledger.getRotationsSince('retain', 0))[0]?.supersededAt as number;
    expect(supersededAt).toEqual(expect.any(Number));
    if (Date.now() < supersededAt + 30_000) {
      expect(frontend(1).open('retain', v1.envelope).toString()).toMatch(/^retained\?/);
    }
    for (const index of [0, 1]) {
      await eventually('version 1 to be destroyed', () =>
        frontend(index)
          .keyVersions('retain')
          .some((entry) => entry.version === 1)
          ? undefined
          : true,
      );
      expect(
        frontend(index)
          .keyVersions('retain')
          .map((entry) => entry.version),
      ).toEqual([2, 3]);
      expectUnavailable(() => frontend(index).open('retain', v1.envelope), 'PAST_RETENTION');
      const token = HsmToken.open(stack.frontendMembers[index]!.token);
      try {
        expect(findKeys(token, { keyClass: 'secret', label: keyVersionLabel('retain', 1) })).toHaveLength(0);
      } finally {
        token.close();
      }
    }
  });

  it('keys held only in the token work the same way (keyResidence hsm)', async () => {
    await stack.setPolicy({ queueId: 'in-token', rotationIntervalMs: LONG, maxMessages: 1_000_000 });
    await stack.allOnVersion('in-token', 1);
    await stack.stopFrontend(1);
    const node = await stack.startFrontend(1, { keyResidence: 'hsm' });
    await node.waitForVersion('in-token', 1);
    const sealed = await node.encrypt('in-token', message('sealed inside the HSM'));
    expect(frontend(0).open('in-token', sealed.envelope).toString()).toMatch(/^sealed inside the HSM/);
    const back = await frontend(0).encrypt('in-token', message('sealed in memory'));
    expect(node.open('in-token', back.envelope).toString()).toMatch(/^sealed in memory/);
    await stack.stopFrontend(1);
    await stack.startFrontend(1);
  });

  it('no key bytes appear anywhere in the ledger (every block) or the logs', async () => {
    // Recover every key version the ledger ever distributed, the way only a front-end can: unwrap its own
    // copy with its own token into a readable session object.
    const keys: Buffer[] = [];
    const queues = (await stack.admin.ledger.listQueues()).map((queue) => queue.queueId);
    for (const [index, who] of stack.frontendMembers.entries()) {
      const ledger = stack.ledgerAs(who);
      const token = HsmToken.open(who.token);
      try {
        const privateKey = findKey(token, { keyClass: 'private', label: 'keyledger-frontend-wrapping' })!;
        const point = wrappingPointOf((await stack.governanceAs(who).whoAmI()).member!);
        for (const queueId of queues) {
          for (const rotation of await ledger.getRotationsSince(queueId, 0)) {
            const own = await ledger.getWrappedKey(queueId, rotation.version);
            const session = unwrapKeyFromSender(
              token,
              privateKey,
              {
                ephemeralPublicKey: Buffer.from(own.ephemeralPublicKey!, 'base64'),
                wrappedKey: Buffer.from(own.wrappedKey, 'base64'),
              },
              {
                label: `scan-${index}`,
                recipientPoint: point,
                context: wrapContext(queueId, rotation.version, rotation.keyId),
                readable: true,
              },
            );
            try {
              keys.push(readSessionKey(token, session).export());
            } finally {
              destroyKey(token, session);
            }
          }
        }
      } finally {
        token.close();
      }
    }
    expect(keys.length).toBeGreaterThanOrEqual(2 * 15);
    const needles = keys.flatMap((key) => [
      key,
      Buffer.from(key.toString('hex')),
      Buffer.from(key.toString('hex').toUpperCase()),
      Buffer.from(key.toString('base64')),
      Buffer.from(key.toString('base64url')),
    ]);
    const secrets = [...needles, ...plaintexts.map((text) => Buffer.from(text))];

    // Every block of the channel, from the genesis block to the tip, through the Deliver service.
    const height = stack.devnet.status().height;
    const connection = FabricConnection.open(stack.admin.fabric);
    let blocks = 0;
    try {
      const stream = await connection.network.getBlockEvents({ startBlock: 0n });
      try {
        for await (const block of stream) {
          const bytes = Buffer.from(block.serializeBinary());
          for (const secret of secrets) {
            expect(bytes.includes(secret)).toBe(false);
          }
          blocks += 1;
          if (Number(block.getHeader()!.getNumber()) >= height - 1) {
            break;
          }
        }
      } finally {
        stream.close();
      }
    } finally {
      connection.close();
    }
    expect(blocks).toBe(height);

    // The logs of every agent and front-end, and every file the devnet wrote (ledger, state, logs).
    const logText = Buffer.from(stack.logs.text);
    expect(stack.logs.lines.length).toBeGreaterThan(50);
    for (const secret of secrets) {
      expect(logText.includes(secret)).toBe(false);
    }
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) {
          walk(path);
        } else {
          files.push(path);
        }
      }
    };
    walk(stack.dataDir);
    for (const file of files) {
      const bytes = readFileSync(file);
      for (const secret of needles) {
        expect(bytes.includes(secret)).toBe(false);
      }
    }
  });
});
