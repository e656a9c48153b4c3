import 'reflect-metadata';
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import type { Member } from '../../src/protocol';
import type { ChaincodeHarness } from '../support/harness';
import type { TestIdentity } from '../support/identities';
import { ecPublicPem, identities, idOf, newHarness, registration, subjects } from './fixtures';

describe('Governance members', () => {
  let harness: ChaincodeHarness;
  let deployer: TestIdentity;
  let alice: TestIdentity;
  let bob: TestIdentity;
  let carol: TestIdentity;
  let attrOnly: TestIdentity;
  let attrAdmin: TestIdentity;
  let stranger: TestIdentity;

  beforeAll(async () => {
    deployer = await subjects.orgAdmin('deployer', 'Org1MSP');
    alice = await identities.create('alice', 'Org1MSP');
    bob = await identities.create('bob', 'Org2MSP');
    carol = await identities.create('carol', 'Org3MSP');
    attrOnly = await identities.create('fe', 'Org2MSP', { 'keyledger.roles': 'frontend' });
    attrAdmin = await identities.create('mallory', 'Org2MSP', { 'keyledger.roles': 'admin,validator' });
    stranger = await identities.create('stranger', 'Org3MSP');
  });

  beforeEach(async () => {
    harness = newHarness();
    await harness.submit(deployer, 'Governance:Bootstrap', '');
  });

  describe('RegisterMember', () => {
    it('registers a member with deduplicated, ordered roles and emits MemberRegistered', async () => {
      const res = await harness.submit<Member>(
        deployer,
        'Governance:RegisterMember',
        registration(alice, ['signer', 'frontend', 'signer']),
      );
      expect(res.value).toEqual({
        ...idOf(alice),
        name: 'alice',
        roles: ['frontend', 'signer'],
        status: 'active',
        registeredAt: harness.now,
        registeredBy: `Org1MSP/${deployer.fingerprint}`,
        updatedAt: harness.now,
      });
      expect(res.event).toEqual({
        name: 'MemberRegistered',
        payload: {
          ...idOf(alice),
          roles: ['frontend', 'signer'],
          status: 'active',
          reregistered: false,
          txId: res.txId,
        },
      });
      const got = await harness.evaluate<Member>(
        alice,
        'Governance:GetMember',
        alice.mspId,
        alice.fingerprint,
      );
      expect(got.value).toEqual(res.value);
    });

    it('stores a public key but emits only its SPKI fingerprint', async () => {
      const { publicPem } = ecPublicPem();
      const res = await harness.submit<Member>(
        deployer,
        'Governance:RegisterMember',
        registration(alice, ['frontend'], { publicKey: publicPem }),
      );
      expect(res.value.publicKey).toBe(publicPem);
      const der = createPublicKey(publicPem).export({ type: 'spki', format: 'der' });
      expect(res.event?.payload['publicKeyFingerprint']).toBe(createHash('sha256').update(der).digest('hex'));
      expect(JSON.stringify(res.event)).not.toContain('BEGIN PUBLIC KEY');
    });

    it('refuses callers without the ledger admin role', async () => {
      await harness.submit(deployer, 'Governance:RegisterMember', registration(alice, ['frontend']));
      for (const who of [alice, stranger, attrOnly, attrAdmin]) {
        const message = await harness.expectRejected(
          who,
          'Governance:RegisterMember',
          [registration(bob, ['signer'])],
          'FORBIDDEN',
        );
        expect(message).toContain('needs role admin');
      }
    });

    it('refuses an identity that is already registered and active', async () => {
      await harness.submit(deployer, 'Governance:RegisterMember', registration(alice, ['frontend']));
      const message = await harness.expectRejected(
        deployer,
        'Governance:RegisterMember',
        [registration(alice, ['signer'])],
        'CONFLICT',
      );
      expect(message).toContain('already registered');
    });

    it('registers a revoked identity again as a new record and keeps the old versions in history', async () => {
      await harness.submit(deployer, 'Governance:RegisterMember', registration(alice, ['frontend']));
      await harness.submit(
        deployer,
        'Governance:RevokeMember',
        alice.mspId,
        alice.fingerprint,
        'lost laptop',
      );
      const again = await harness.submit<Member>(
        deployer,
        'Governance:RegisterMember',
        registration(alice, ['signer']),
      );
      expect(again.value).toMatchObject({ status: 'active', roles: ['signer'], registeredAt: harness.now });
      expect(again.value.revokedAt).toBeUndefined();
      expect(again.event?.payload['reregistered']).toBe(true);
      const history = await harness.evaluate<{ items: { value: Member }[] }>(
        deployer,
        'Governance:GetMemberHistory',
        alice.mspId,
        alice.fingerprint,
      );
      expect(history.value.items.map((entry) => [entry.value.status, entry.value.roles])).toEqual([
        ['active', ['signer']],
        ['revoked', ['frontend']],
        ['active', ['frontend']],
      ]);
      expect(history.value.items[1]?.value.revokedReason).toBe('lost laptop');
      // the role index follows the current record only
      const frontends = await harness.evaluate<{ items: Member[] }>(
        deployer,
        'Governance:ListMembers',
        'frontend',
        '',
        '',
      );
      expect(frontends.value.items).toEqual([]);
      const signers = await harness.evaluate<{ items: Member[] }>(
        deployer,
        'Governance:ListMembers',
        'signer',
        '',
        '',
      );
      expect(signers.value.items.map((m) => m.name)).toEqual(['alice']);
    });

    const fp = 'a'.repeat(64);
    it.each([
      ['not JSON', 'nope', 'not valid JSON'],
      [
        'a missing fingerprint',
        JSON.stringify({ mspId: 'Org1MSP', name: 'x', roles: ['signer'] }),
        'fingerprint',
      ],
      [
        'a short fingerprint',
        JSON.stringify({ mspId: 'Org1MSP', fingerprint: 'abc', name: 'x', roles: ['signer'] }),
        'fingerprint',
      ],
      ['a bad MSP id', JSON.stringify({ mspId: '', fingerprint: fp, name: 'x', roles: ['signer'] }), 'mspId'],
      [
        'a long name',
        JSON.stringify({ mspId: 'Org1MSP', fingerprint: fp, name: 'n'.repeat(129), roles: ['signer'] }),
        'name',
      ],
      ['no roles', JSON.stringify({ mspId: 'Org1MSP', fingerprint: fp, name: 'x', roles: [] }), 'roles'],
      [
        'roles not an array',
        JSON.stringify({ mspId: 'Org1MSP', fingerprint: fp, name: 'x', roles: 'signer' }),
        'roles',
      ],
      [
        'an unknown role',
        JSON.stringify({ mspId: 'Org1MSP', fingerprint: fp, name: 'x', roles: ['root'] }),
        'roles.0',
      ],
      [
        'an unknown field',
        JSON.stringify({ mspId: 'Org1MSP', fingerprint: fp, name: 'x', roles: ['signer'], extra: 1 }),
        'extra',
      ],
      [
        'a garbage public key',
        JSON.stringify({ mspId: 'Org1MSP', fingerprint: fp, name: 'x', roles: ['signer'], publicKey: 'abc' }),
        'publicKey',
      ],
      [
        'a private PEM key',
        JSON.stringify({
          mspId: 'Org1MSP',
          fingerprint: fp,
          name: 'x',
          roles: ['signer'],
          publicKey: ecPublicPem().privatePem,
        }),
        'not a private key',
      ],
      [
        'a private JWK',
        JSON.stringify({
          mspId: 'Org1MSP',
          fingerprint: fp,
          name: 'x',
          roles: ['signer'],
          publicKey: JSON.stringify(ecPublicPem().privateJwk),
        }),
        'private member "d"',
      ],
    ])('rejects %s', async (_what, json, expected) => {
      const message = await harness.expectRejected(
        deployer,
        'Governance:RegisterMember',
        [json],
        'INVALID_ARGUMENT',
      );
      expect(message).toContain(expected);
      expect(message).not.toContain('PRIVATE KEY-----\n');
    });
  });

  describe('genesis rule', () => {
    it('lets an admin seat the first validator directly, then only through proposals', async () => {
      const first = await harness.submit<Member>(
        deployer,
        'Governance:RegisterMember',
        registration(alice, ['validator']),
      );
      expect(first.value.roles).toEqual(['validator']);
      const quorum = await harness.evaluate(alice, 'Governance:GetQuorum');
      expect(quorum.value).toEqual({ validators: 1, faultTolerance: 0, required: 1, rule: { kind: 'bft' } });

      const direct = await harness.expectRejected(
        deployer,
        'Governance:RegisterMember',
        [registration(bob, ['validator', 'signer'])],
        'CONFLICT',
      );
      expect(direct).toContain('ProposeGovernanceChange');
      expect(direct).toContain('addValidator');
      await harness.submit(deployer, 'Governance:RegisterMember', registration(bob, ['signer']));
      await harness.expectRejected(
        deployer,
        'Governance:UpdateMember',
        [JSON.stringify({ ...idOf(bob), roles: ['signer', 'validator'] })],
        'CONFLICT',
      );
      const remove = await harness.expectRejected(
        deployer,
        'Governance:UpdateMember',
        [JSON.stringify({ ...idOf(alice), roles: ['frontend'] })],
        'CONFLICT',
      );
      expect(remove).toContain('removeValidator');
      const revoke = await harness.expectRejected(
        deployer,
        'Governance:RevokeMember',
        [alice.mspId, alice.fingerprint, 'bye'],
        'CONFLICT',
      );
      expect(revoke).toContain('removeValidator');
      const rule = await harness.expectRejected(
        deployer,
        'Governance:SetQuorumRule',
        ['{"kind":"threshold","threshold":1}'],
        'CONFLICT',
      );
      expect(rule).toContain('setQuorumRule');

      // other changes to a validator's record stay with the admins
      const renamed = await harness.submit<Member>(
        deployer,
        'Governance:UpdateMember',
        JSON.stringify({ ...idOf(alice), name: 'Alice V.', roles: ['validator', 'auditor'] }),
      );
      expect(renamed.value).toMatchObject({ name: 'Alice V.', roles: ['validator', 'auditor'] });
    });

    it('lets an admin grant the validator role with UpdateMember and set the quorum rule while no validator exists', async () => {
      await harness.submit(deployer, 'Governance:RegisterMember', registration(alice, ['frontend']));
      const rule = await harness.submit<Record<string, unknown>>(
        deployer,
        'Governance:SetQuorumRule',
        '{"kind":"threshold","threshold":2}',
      );
      expect(rule.value).toMatchObject({
        quorumRule: { kind: 'threshold', threshold: 2 },
        ruleUpdatedAt: harness.now,
        ruleUpdatedBy: `Org1MSP/${deployer.fingerprint}`,
      });
      expect(rule.event).toEqual({
        name: 'QuorumRuleSet',
        payload: {
          rule: { kind: 'threshold', threshold: 2 },
          previousRule: { kind: 'bft' },
          txId: rule.txId,
        },
      });
      const res = await harness.submit<Member>(
        deployer,
        'Governance:UpdateMember',
        JSON.stringify({ ...idOf(alice), roles: ['frontend', 'validator'] }),
      );
      expect(res.value.roles).toEqual(['validator', 'frontend']);
      expect(res.event).toEqual({
        name: 'MemberUpdated',
        payload: {
          ...idOf(alice),
          roles: ['validator', 'frontend'],
          previousRoles: ['frontend'],
          status: 'active',
          txId: res.txId,
        },
      });
      const validators = await harness
        .evaluate<{ validators: Member[] }>(bob, 'Governance:ListValidators')
        .catch((e: Error) => e);
      expect(String(validators)).toContain('FORBIDDEN');
      const list = await harness.evaluate<{ validators: Member[] }>(alice, 'Governance:ListValidators');
      expect(list.value.validators.map((m) => m.fingerprint)).toEqual([alice.fingerprint]);
    });

    it('validates SetQuorumRule and refuses non-admins', async () => {
      await harness.expectRejected(alice, 'Governance:SetQuorumRule', ['{"kind":"bft"}'], 'FORBIDDEN');
      for (const bad of ['', '{"kind":"threshold","threshold":-1}', '{"kind":"bft","x":1}', '"bft"']) {
        await harness.expectRejected(deployer, 'Governance:SetQuorumRule', [bad], 'INVALID_ARGUMENT');
      }
    });
  });

  describe('UpdateMember', () => {
    beforeEach(async () => {
      await harness.submit(deployer, 'Governance:RegisterMember', registration(alice, ['frontend']));
    });

    it('renames a member and keeps its roles', async () => {
      const res = await harness.submit<Member>(
        deployer,
        'Governance:UpdateMember',
        JSON.stringify({ ...idOf(alice), name: 'Alice' }),
      );
      expect(res.value).toMatchObject({ name: 'Alice', roles: ['frontend'], updatedAt: harness.now });
      expect(res.value.registeredAt).toBeLessThan(harness.now);
    });

    it('refuses unknown, revoked and malformed targets and non-admin callers', async () => {
      await harness.expectRejected(
        deployer,
        'Governance:UpdateMember',
        [JSON.stringify({ ...idOf(bob), name: 'x' })],
        'NOT_FOUND',
      );
      await harness.submit(deployer, 'Governance:RevokeMember', alice.mspId, alice.fingerprint, 'gone');
      const revoked = await harness.expectRejected(
        deployer,
        'Governance:UpdateMember',
        [JSON.stringify({ ...idOf(alice), name: 'x' })],
        'CONFLICT',
      );
      expect(revoked).toContain('revoked');
      const none = await harness.expectRejected(
        deployer,
        'Governance:UpdateMember',
        [JSON.stringify(idOf(alice))],
        'INVALID_ARGUMENT',
      );
      expect(none).toContain('name and/or roles');
      await harness.expectRejected(
        deployer,
        'Governance:UpdateMember',
        [JSON.stringify({ ...idOf(alice), roles: [] })],
        'INVALID_ARGUMENT',
      );
      await harness.expectRejected(
        deployer,
        'Governance:UpdateMember',
        [JSON.stringify({ ...idOf(alice), roles: ['x'] })],
        'INVALID_ARGUMENT',
      );
      await harness.expectRejected(
        deployer,
        'Governance:UpdateMember',
        [JSON.stringify({ ...idOf(alice), publicKey: 'x', name: 'y' })],
        'INVALID_ARGUMENT',
      );
      await harness.expectRejected(deployer, 'Governance:UpdateMember', ['{'], 'INVALID_ARGUMENT');
      await harness.expectRejected(
        bob,
        'Governance:UpdateMember',
        [JSON.stringify({ ...idOf(alice), name: 'x' })],
        'FORBIDDEN',
      );
    });

    it('never removes the admin role from the last active admin', async () => {
      const message = await harness.expectRejected(
        deployer,
        'Governance:UpdateMember',
        [JSON.stringify({ ...idOf(deployer), roles: ['auditor'] })],
        'CONFLICT',
      );
      expect(message).toContain('last active admin');
      await harness.submit(deployer, 'Governance:RegisterMember', registration(bob, ['admin']));
      const res = await harness.submit<Member>(
        deployer,
        'Governance:UpdateMember',
        JSON.stringify({ ...idOf(deployer), roles: ['auditor'] }),
      );
      expect(res.value.roles).toEqual(['auditor']);
      await harness.expectRejected(
        deployer,
        'Governance:RegisterMember',
        [registration(carol, ['signer'])],
        'FORBIDDEN',
      );
    });
  });

  describe('RevokeMember', () => {
    beforeEach(async () => {
      await harness.submit(
        deployer,
        'Governance:RegisterMember',
        registration(alice, ['frontend', 'signer']),
      );
    });

    it('revokes a member, drops its roles at once and emits MemberRevoked', async () => {
      const res = await harness.submit<Member>(
        deployer,
        'Governance:RevokeMember',
        alice.mspId,
        alice.fingerprint,
        'key compromise',
      );
      expect(res.value).toMatchObject({
        status: 'revoked',
        revokedAt: harness.now,
        revokedReason: 'key compromise',
      });
      expect(res.event).toEqual({
        name: 'MemberRevoked',
        payload: { ...idOf(alice), roles: ['frontend', 'signer'], status: 'revoked', txId: res.txId },
      });
      const who = await harness.evaluate<Record<string, unknown>>(alice, 'Governance:WhoAmI');
      expect(who.value['roles']).toEqual([]);
      expect(who.value['member']).toMatchObject({ status: 'revoked' });
      await harness.expectRejected(
        alice,
        'Governance:GetMember',
        [alice.mspId, alice.fingerprint],
        'FORBIDDEN',
      );
      await harness.expectRejected(
        deployer,
        'Governance:RevokeMember',
        [alice.mspId, alice.fingerprint, 'again'],
        'CONFLICT',
      );
    });

    it('protects the last active admin, but lets one of two admins go', async () => {
      const message = await harness.expectRejected(
        deployer,
        'Governance:RevokeMember',
        [deployer.mspId, deployer.fingerprint, 'oops'],
        'CONFLICT',
      );
      expect(message).toContain('last active admin');
      await harness.submit(deployer, 'Governance:RegisterMember', registration(bob, ['admin']));
      await harness.submit(
        bob,
        'Governance:RevokeMember',
        deployer.mspId,
        deployer.fingerprint,
        'rotated out',
      );
      await harness.expectRejected(
        deployer,
        'Governance:RegisterMember',
        [registration(carol, ['signer'])],
        'FORBIDDEN',
      );
      await harness.expectRejected(
        bob,
        'Governance:RevokeMember',
        [bob.mspId, bob.fingerprint, 'me'],
        'CONFLICT',
      );
    });

    it.each([
      ['a bad MSP id', ['Org 1', 'a'.repeat(64), 'r'], 'mspId'],
      ['a bad fingerprint', ['Org1MSP', 'xyz', 'r'], 'fingerprint'],
      ['an empty reason', ['Org1MSP', 'a'.repeat(64), ''], 'reason'],
      ['a long reason', ['Org1MSP', 'a'.repeat(64), 'r'.repeat(1025)], 'reason'],
    ])('rejects %s', async (_what, args, field) => {
      const message = await harness.expectRejected(
        deployer,
        'Governance:RevokeMember',
        args,
        'INVALID_ARGUMENT',
      );
      expect(message).toContain(field);
    });

    it('refuses non-admins and unknown members', async () => {
      await harness.expectRejected(
        alice,
        'Governance:RevokeMember',
        [deployer.mspId, deployer.fingerprint, 'r'],
        'FORBIDDEN',
      );
      await harness.expectRejected(
        deployer,
        'Governance:RevokeMember',
        [bob.mspId, bob.fingerprint, 'r'],
        'NOT_FOUND',
      );
    });
  });

  describe('SetPublicKey', () => {
    beforeEach(async () => {
      await harness.submit(deployer, 'Governance:RegisterMember', registration(alice, ['frontend']));
    });

    it('sets the caller’s own PEM public key and emits its fingerprint only', async () => {
      const { publicPem } = ecPublicPem();
      const res = await harness.submit<Record<string, unknown>>(alice, 'Governance:SetPublicKey', publicPem);
      const der = createPublicKey(publicPem).export({ type: 'spki', format: 'der' });
      const expected = createHash('sha256').update(der).digest('hex');
      expect(res.value).toEqual({ ...idOf(alice), publicKeyFingerprint: expected, updatedAt: harness.now });
      expect(res.event).toEqual({
        name: 'MemberPublicKeySet',
        payload: { ...idOf(alice), publicKeyFingerprint: expected, txId: res.txId },
      });
      const got = await harness.evaluate<Member>(
        alice,
        'Governance:GetMember',
        alice.mspId,
        alice.fingerprint,
      );
      expect(got.value).toMatchObject({ publicKey: publicPem, roles: ['frontend'], status: 'active' });
    });

    it('accepts public JWKs (EC, RSA, OKP) with the same fingerprint as the PEM form', async () => {
      const { publicJwk, publicPem } = ecPublicPem();
      const res = await harness.submit<Record<string, unknown>>(
        alice,
        'Governance:SetPublicKey',
        JSON.stringify(publicJwk),
      );
      const der = createPublicKey(publicPem).export({ type: 'spki', format: 'der' });
      expect(res.value['publicKeyFingerprint']).toBe(createHash('sha256').update(der).digest('hex'));
      const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' });
      await harness.submit(alice, 'Governance:SetPublicKey', JSON.stringify(rsa));
      const ed = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
      await harness.submit(alice, 'Governance:SetPublicKey', JSON.stringify(ed));
      const ed25519Pem = generateKeyPairSync('ed25519')
        .publicKey.export({ type: 'spki', format: 'pem' })
        .toString();
      await harness.submit(alice, 'Governance:SetPublicKey', ed25519Pem);
    });

    it('rejects private, secret and malformed keys without echoing them', async () => {
      const pair = ecPublicPem();
      const rsaPkcs1 = generateKeyPairSync('rsa', { modulusLength: 2048 })
        .publicKey.export({ type: 'pkcs1', format: 'pem' })
        .toString();
      const cases: [string, string][] = [
        [pair.privatePem, 'not a private key'],
        [JSON.stringify(pair.privateJwk), 'private member "d"'],
        [JSON.stringify({ kty: 'oct', k: 'AAAA' }), 'private member "k"'],
        [JSON.stringify({ kty: 'oct' }), 'kty'],
        [JSON.stringify({ ...pair.publicJwk, x: 'AAAA' }), 'not a parseable public key'],
        ['{"kty":', 'valid JWK JSON'],
        ['[1]', 'PEM SPKI'],
        [rsaPkcs1, 'PEM SPKI'],
        [alice.certPem, 'PEM SPKI'],
        ['-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n', 'not a parseable public key'],
        ['', 'publicKey'],
        ['x'.repeat(16385), 'publicKey'],
      ];
      for (const [key, expected] of cases) {
        const message = await harness.expectRejected(
          alice,
          'Governance:SetPublicKey',
          [key],
          'INVALID_ARGUMENT',
        );
        expect(message).toContain(expected);
        expect(message).not.toContain(pair.privatePem.split('\n')[1]);
        expect(message).not.toContain(String(pair.privateJwk['d']));
      }
    });

    it('is for active registered members only', async () => {
      const { publicPem } = ecPublicPem();
      await harness.expectRejected(stranger, 'Governance:SetPublicKey', [publicPem], 'FORBIDDEN');
      await harness.expectRejected(attrOnly, 'Governance:SetPublicKey', [publicPem], 'FORBIDDEN');
      await harness.submit(deployer, 'Governance:RevokeMember', alice.mspId, alice.fingerprint, 'gone');
      await harness.expectRejected(alice, 'Governance:SetPublicKey', [publicPem], 'FORBIDDEN');
    });
  });

  describe('queries', () => {
    it('WhoAmI answers any identity, with ledger and certificate-attribute roles', async () => {
      const none = await harness.evaluate(stranger, 'Governance:WhoAmI');
      expect(none.value).toEqual({
        caller: { ...idOf(stranger), id: expect.stringMatching(/^x509::\/CN=stranger/) },
        roles: [],
        member: null,
      });
      const attr = await harness.evaluate<Record<string, unknown>>(attrAdmin, 'Governance:WhoAmI');
      expect(attr.value['roles']).toEqual([]);
      const fe = await harness.evaluate<Record<string, unknown>>(attrOnly, 'Governance:WhoAmI');
      expect(fe.value['roles']).toEqual(['frontend']);
      await harness.submit(
        deployer,
        'Governance:RegisterMember',
        registration(alice, ['signer', 'auditor', 'admin']),
      );
      const reg = await harness.evaluate<Record<string, unknown>>(alice, 'Governance:WhoAmI');
      expect(reg.value['roles']).toEqual(['admin', 'signer', 'auditor']);
      expect(reg.value['member']).toMatchObject({ ...idOf(alice), status: 'active' });
    });

    it('GetMember finds, misses and validates', async () => {
      await harness.expectRejected(
        stranger,
        'Governance:GetMember',
        [deployer.mspId, deployer.fingerprint],
        'FORBIDDEN',
      );
      const byAttr = await harness.evaluate<Member>(
        attrOnly,
        'Governance:GetMember',
        deployer.mspId,
        deployer.fingerprint,
      );
      expect(byAttr.value.roles).toEqual(['admin']);
      await harness.expectRejected(
        deployer,
        'Governance:GetMember',
        [bob.mspId, bob.fingerprint],
        'NOT_FOUND',
      );
      await harness.expectRejected(
        deployer,
        'Governance:GetMember',
        ['Org1MSP', 'nothex'],
        'INVALID_ARGUMENT',
      );
      await harness.expectRejected(
        deployer,
        'Governance:GetMember',
        ['', deployer.fingerprint],
        'INVALID_ARGUMENT',
      );
      await harness.expectRejected(
        deployer,
        'Governance:GetMemberHistory',
        [bob.mspId, bob.fingerprint],
        'NOT_FOUND',
      );
      await harness.expectRejected(
        deployer,
        'Governance:GetMemberHistory',
        ['Org1MSP', 'x'],
        'INVALID_ARGUMENT',
      );
      await harness.expectRejected(
        stranger,
        'Governance:GetMemberHistory',
        [deployer.mspId, deployer.fingerprint],
        'FORBIDDEN',
      );
    });

    it('ListMembers pages all registrations or the active holders of a role', async () => {
      await harness.submit(deployer, 'Governance:RegisterMember', registration(alice, ['signer']));
      await harness.submit(deployer, 'Governance:RegisterMember', registration(bob, ['signer', 'auditor']));
      await harness.submit(deployer, 'Governance:RegisterMember', registration(carol, ['signer']));
      await harness.submit(deployer, 'Governance:RevokeMember', carol.mspId, carol.fingerprint, 'left');

      const seen: string[] = [];
      let bookmark = '';
      let pages = 0;
      do {
        const page = await harness.evaluate<{ items: Member[]; bookmark: string }>(
          deployer,
          'Governance:ListMembers',
          '',
          '2',
          bookmark,
        );
        expect(page.value.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.value.items.map((m) => `${m.name}:${m.status}`));
        bookmark = page.value.bookmark;
        pages += 1;
      } while (bookmark !== '' && pages < 10);
      expect(seen.sort()).toEqual(['alice:active', 'bob:active', 'carol:revoked', 'deployer:active']);
      expect(pages).toBe(2);

      const signers = await harness.evaluate<{ items: Member[]; bookmark: string }>(
        deployer,
        'Governance:ListMembers',
        'signer',
        '1',
        '',
      );
      expect(signers.value.items.map((m) => m.name)).toEqual(['alice']);
      const rest = await harness.evaluate<{ items: Member[]; bookmark: string }>(
        deployer,
        'Governance:ListMembers',
        'signer',
        '5',
        signers.value.bookmark,
      );
      expect(rest.value).toEqual({ items: [expect.objectContaining({ name: 'bob' })], bookmark: '' });
      const auditors = await harness.evaluate<{ items: Member[] }>(
        deployer,
        'Governance:ListMembers',
        'auditor',
        '',
        '',
      );
      expect(auditors.value.items.map((m) => m.name)).toEqual(['bob']);
    });

    it.each([
      ['an unknown role', ['root', '', ''], 'role'],
      ['page size 0', ['', '0', ''], 'pageSize'],
      ['page size 501', ['', '501', ''], 'pageSize'],
      ['a non-numeric page size', ['', 'ten', ''], 'pageSize'],
      ['a bookmark from another listing', ['signer', '5', '\u0000member\u0000Org1MSP\u0000'], 'bookmark'],
    ])('ListMembers rejects %s', async (_what, args, field) => {
      const message = await harness.expectRejected(
        deployer,
        'Governance:ListMembers',
        args,
        'INVALID_ARGUMENT',
      );
      expect(message).toContain(field);
    });

    it('ListMembers and ListValidators need a role', async () => {
      await harness.expectRejected(stranger, 'Governance:ListMembers', ['', '', ''], 'FORBIDDEN');
      await harness.expectRejected(stranger, 'Governance:ListValidators', [], 'FORBIDDEN');
      await harness.expectRejected(stranger, 'Governance:GetQuorum', [], 'FORBIDDEN');
      const empty = await harness.evaluate(deployer, 'Governance:ListValidators');
      expect(empty.value).toEqual({ validators: [] });
      const quorum = await harness.evaluate(deployer, 'Governance:GetQuorum');
      expect(quorum.value).toEqual({ validators: 0, faultTolerance: 0, required: 0, rule: { kind: 'bft' } });
    });
  });
});
