import { generateKeyPairSync, sign } from 'node:crypto';
import { rotationDue, tally } from '../../src/contracts/rotation';
import { rotationHold } from '../../src/contracts/rotation/hold';
import { proposalDigest, sortWrappedKeys } from '../../src/protocol/rotationDigest';
import { describeMismatch, recipientMismatch } from '../../src/contracts/rotation/recipients';
// Moved to lib/publicKeys; imported under the old name so the assertions below read as before.
import { looksLikePrivateKey, verifySignature as verifyWithKey } from '../../src/protocol';
import type { KeyPolicy, QueueState } from '../../src/protocol/rotation';

const fp = (c: string): string => c.repeat(64);
const id = (mspId: string, c: string): { mspId: string; fingerprint: string } => ({
  mspId,
  fingerprint: fp(c),
});

describe('rotation pure modules', () => {
  it('recognises private keys but not public keys or ciphertext', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(looksLikePrivateKey(ec.privateKey.export({ type: 'pkcs8', format: 'der' }))).toBe(true);
    expect(looksLikePrivateKey(ec.privateKey.export({ type: 'sec1', format: 'der' }))).toBe(true);
    expect(looksLikePrivateKey(Buffer.from(ec.privateKey.export({ type: 'pkcs8', format: 'pem' })))).toBe(
      true,
    );
    expect(looksLikePrivateKey(Buffer.from(JSON.stringify(ec.privateKey.export({ format: 'jwk' }))))).toBe(
      true,
    );
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    // Long-form DER length (RSA keys are > 127 bytes).
    expect(looksLikePrivateKey(rsa.privateKey.export({ type: 'pkcs8', format: 'der' }))).toBe(true);

    expect(looksLikePrivateKey(ec.publicKey.export({ type: 'spki', format: 'der' }))).toBe(false);
    expect(looksLikePrivateKey(Buffer.from(JSON.stringify(ec.publicKey.export({ format: 'jwk' }))))).toBe(
      false,
    );
    expect(looksLikePrivateKey(Buffer.from('null'))).toBe(false);
    expect(looksLikePrivateKey(Buffer.from([0x30, 0x05, 0x02, 0x01, 0x05, 0x30]))).toBe(false);
    expect(looksLikePrivateKey(Buffer.alloc(40, 0xa5))).toBe(false);
    expect(looksLikePrivateKey(Buffer.from([0x30]))).toBe(false);
  });

  it('verifies EC (DER and raw), RSA and Ed25519 signatures and rejects wrong ones', () => {
    const payload = Buffer.from('{"queueId":"q"}');
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(verifyWithKey(ec.publicKey, payload, sign('sha256', payload, ec.privateKey))).toBe(true);
    expect(
      verifyWithKey(
        ec.publicKey,
        payload,
        sign('sha256', payload, { key: ec.privateKey, dsaEncoding: 'ieee-p1363' }),
      ),
    ).toBe(true);
    expect(verifyWithKey(ec.publicKey, Buffer.from('other'), sign('sha256', payload, ec.privateKey))).toBe(
      false,
    );

    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect(verifyWithKey(rsa.publicKey, payload, sign('sha256', payload, rsa.privateKey))).toBe(true);
    expect(verifyWithKey(rsa.publicKey, payload, Buffer.alloc(3))).toBe(false);

    const ed = generateKeyPairSync('ed25519');
    expect(verifyWithKey(ed.publicKey, payload, sign(null, payload, ed.privateKey))).toBe(true);
    expect(verifyWithKey(ed.publicKey, payload, Buffer.alloc(64))).toBe(false);

    // A key that cannot verify at all (X25519 is for key agreement) makes OpenSSL throw: "not valid".
    const x = generateKeyPairSync('x25519');
    expect(verifyWithKey(x.publicKey, payload, Buffer.alloc(64))).toBe(false);
  });

  it('sorts recipients by MSP id, then fingerprint, and the digest does not depend on input order', () => {
    const entries = [
      { ...id('Org2MSP', 'a'), wrappedKey: 'A' },
      { ...id('Org1MSP', 'c'), wrappedKey: 'B' },
      { ...id('Org1MSP', 'b'), wrappedKey: 'C', ephemeralPublicKey: 'E' },
    ];
    expect(sortWrappedKeys(entries).map((entry) => entry.wrappedKey)).toEqual(['C', 'B', 'A']);
    const input = {
      queueId: 'q',
      version: 1,
      keyId: 'k',
      keyCheckValue: 'abcdef',
      notBefore: 0,
      reason: 'manual' as const,
      proposer: id('Org1MSP', 'd'),
    };
    const digest = proposalDigest({ ...input, wrappedKeys: entries });
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(proposalDigest({ ...input, wrappedKeys: [...entries].reverse() })).toBe(digest);
    expect(proposalDigest({ ...input, wrappedKeys: entries, keyId: 'k2' })).not.toBe(digest);
  });

  it('describes recipient mismatches', () => {
    const frontends = [id('Org1MSP', 'a'), id('Org2MSP', 'b')];
    expect(recipientMismatch(frontends, frontends)).toBeUndefined();
    const mismatch = recipientMismatch(
      [id('Org1MSP', 'a'), id('Org1MSP', 'a'), id('Org3MSP', 'c')],
      frontends,
    );
    expect(mismatch).toEqual({
      missing: [`Org2MSP/${fp('b')}`],
      extra: [`Org3MSP/${fp('c')}`],
      duplicates: [`Org1MSP/${fp('a')}`],
    });
    expect(describeMismatch(mismatch ?? { missing: [], extra: [], duplicates: [] })).toBe(
      `missing front-end(s) Org2MSP/${fp('b')}; not an active front-end: Org3MSP/${fp('c')}; ` +
        `named more than once: Org1MSP/${fp('a')}`,
    );
  });

  it('tallies only active validators against the BFT or threshold quorum', () => {
    const validators = ['a', 'b', 'c', 'd'].map((c) => id('Org1MSP', c));
    const bft = tally({ kind: 'bft' }, validators, [validators[0] ?? id('x', 'x'), id('Org9MSP', 'e')], []);
    expect(bft).toEqual({
      validatorCount: 4,
      quorum: 3,
      approvals: 1,
      rejections: 0,
      reached: false,
      defeated: false,
    });
    const defeated = tally({ kind: 'bft' }, validators, [], validators.slice(0, 2));
    expect(defeated).toMatchObject({ rejections: 2, defeated: true });
    // A governance-set threshold never drops below 2f+1: one validator of four cannot commit alone.
    expect(tally({ kind: 'threshold', threshold: 1 }, validators, validators.slice(0, 1), [])).toMatchObject({
      quorum: 3,
      reached: false,
    });
    expect(tally({ kind: 'threshold', threshold: 4 }, validators, validators.slice(0, 3), [])).toMatchObject({
      quorum: 4,
      reached: false,
    });
    // No validators: quorum 0 is never "reached".
    expect(tally({ kind: 'bft' }, [], [id('Org1MSP', 'a')], [])).toMatchObject({ quorum: 0, reached: false });
  });

  it('combines several due reasons', () => {
    const policy = { rotationIntervalMs: 1000, maxMessages: 10, minRotationIntervalMs: 1000 } as KeyPolicy;
    const state: QueueState = {
      queueId: 'q',
      activeVersion: 2,
      committedAt: 0,
      createdAt: 0,
      updatedAt: 0,
      compromised: [{ version: 2, reportedAt: 1, reportedBy: 'x', reason: 'r' }],
    };
    const due = rotationDue({
      policy,
      state,
      now: 5000,
      messages: 10,
      frontends: ['a', 'b'],
      recipients: ['a'],
      openProposal: null,
    });
    expect(due).toMatchObject({
      due: true,
      held: false,
      reasons: ['interval', 'volume', 'compromise', 'recipients'],
      elapsedMs: 5000,
      nextAllowedAt: 1000,
    });
  });

  it('holds a rotation back unless the active key is compromised or held by a departed front-end', () => {
    const policy = { rotationIntervalMs: 10_000, maxMessages: 10, minRotationIntervalMs: 5000 } as KeyPolicy;
    const state: QueueState = {
      queueId: 'q',
      activeVersion: 2,
      committedAt: 1000,
      createdAt: 0,
      updatedAt: 0,
      compromised: [{ version: 1, reportedAt: 1, reportedBy: 'x', reason: 'r' }],
    };
    const base = { policy, state, frontends: ['a', 'b'], recipients: ['a', 'b'], openProposal: null };
    expect(rotationHold(base)).toEqual({ nextAllowedAt: 6000 });
    expect(rotationDue({ ...base, now: 5999, messages: 10 })).toMatchObject({
      due: false,
      held: true,
      reasons: ['volume'],
    });
    expect(rotationDue({ ...base, now: 6000, messages: 10 })).toMatchObject({ due: true, held: false });

    // A newly registered front-end lacks the key: held. A departed one holds it: not held.
    expect(rotationDue({ ...base, frontends: ['a', 'b', 'c'], now: 2000, messages: 0 })).toMatchObject({
      due: false,
      held: true,
      reasons: ['recipients'],
    });
    expect(rotationHold({ ...base, frontends: ['a'] })).toEqual({
      nextAllowedAt: 6000,
      exemptBecause: 'the active key is held by b, no longer an active front-end',
    });
    expect(rotationDue({ ...base, frontends: ['a'], now: 2000, messages: 0 })).toMatchObject({
      due: true,
      held: false,
    });

    const compromised = {
      ...state,
      compromised: [{ version: 2, reportedAt: 1, reportedBy: 'x', reason: 'r' }],
    };
    expect(rotationHold({ ...base, state: compromised })).toEqual({
      nextAllowedAt: 6000,
      exemptBecause: 'active version 2 is reported compromised',
    });
    expect(rotationDue({ ...base, state: compromised, now: 2000, messages: 0 })).toMatchObject({
      due: true,
      held: false,
      reasons: ['compromise'],
    });

    // No key yet: never held.
    const empty: QueueState = {
      queueId: 'q',
      activeVersion: 0,
      createdAt: 70,
      updatedAt: 70,
      compromised: [],
    };
    expect(rotationHold({ ...base, state: empty, recipients: [] })).toEqual({ nextAllowedAt: 70 });
  });
});
