import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import type { ChaincodeHarness } from '../support/harness';
import type { TestIdentity } from '../support/identities';
import { identities, idOf, newHarness, subjects } from './fixtures';

describe('Governance:Bootstrap', () => {
  let harness: ChaincodeHarness;
  let deployer: TestIdentity;
  let otherOrgAdmin: TestIdentity;
  let client: TestIdentity;
  let named: TestIdentity;

  beforeAll(async () => {
    deployer = await subjects.orgAdmin('deployer', 'Org1MSP');
    otherOrgAdmin = await subjects.orgAdmin('admin2', 'Org2MSP');
    client = await identities.create('alice', 'Org1MSP', { 'keyledger.roles': 'frontend' });
    named = await identities.create('carol', 'Org2MSP');
  });

  beforeEach(() => {
    harness = newHarness();
  });

  it('makes the deploying org admin the first admin with the BFT rule by default', async () => {
    const res = await harness.submit<Record<string, Record<string, unknown>>>(
      deployer,
      'Governance:Bootstrap',
      '',
    );
    expect(res.value['config']).toEqual({
      quorumRule: { kind: 'bft' },
      bootstrappedAt: harness.now,
      bootstrappedBy: `Org1MSP/${deployer.fingerprint}`,
    });
    expect(res.value['admin']).toEqual({
      mspId: 'Org1MSP',
      fingerprint: deployer.fingerprint,
      name: 'deployer',
      roles: ['admin'],
      status: 'active',
      registeredAt: harness.now,
      registeredBy: `Org1MSP/${deployer.fingerprint}`,
      updatedAt: harness.now,
    });
    expect(res.event).toEqual({
      name: 'Bootstrapped',
      payload: {
        admin: idOf(deployer),
        roles: ['admin'],
        quorumRule: { kind: 'bft' },
        bootstrappedBy: `Org1MSP/${deployer.fingerprint}`,
        txId: res.txId,
      },
    });
    const who = await harness.evaluate<Record<string, unknown>>(deployer, 'Governance:WhoAmI');
    expect(who.value['roles']).toEqual(['admin']);
    const config = await harness.evaluate(deployer, 'Governance:GetConfig');
    expect(config.value).toEqual(res.value['config']);
  });

  it('accepts {} and an explicit first admin plus a threshold rule', async () => {
    const args = {
      admin: { ...idOf(named), name: 'Carol' },
      quorumRule: { kind: 'threshold', threshold: 3 },
    };
    const res = await harness.submit<Record<string, Record<string, unknown>>>(
      deployer,
      'Governance:Bootstrap',
      JSON.stringify(args),
    );
    expect(res.value['admin']).toMatchObject({ ...idOf(named), name: 'Carol', roles: ['admin'] });
    expect(res.value['config']).toMatchObject({ quorumRule: { kind: 'threshold', threshold: 3 } });
    // the deployer itself got nothing; the named identity is the admin
    const deployerView = await harness.evaluate<Record<string, unknown>>(deployer, 'Governance:WhoAmI');
    expect(deployerView.value).toMatchObject({ roles: [], member: null });
    const carol = await harness.evaluate<Record<string, unknown>>(named, 'Governance:WhoAmI');
    expect(carol.value['roles']).toEqual(['admin']);

    const fresh = newHarness();
    const empty = await fresh.submit<Record<string, Record<string, unknown>>>(
      otherOrgAdmin,
      'Governance:Bootstrap',
      '{}',
    );
    expect(empty.value['admin']).toMatchObject({ mspId: 'Org2MSP', name: 'admin2' });
  });

  it('refuses a caller whose certificate is not an org admin (OU=client)', async () => {
    const message = await harness.expectRejected(client, 'Governance:Bootstrap', [''], 'FORBIDDEN');
    expect(message).toContain('OU=admin');
  });

  it('is not fooled by OU=admin text inside another attribute', async () => {
    const inCn = await subjects.withSubject(
      'x',
      'Org1MSP',
      new x509.Name([{ CN: ['OU=admin'] }, { OU: ['client'] }]),
    );
    const plus = await subjects.withSubject(
      'y',
      'Org1MSP',
      new x509.Name([{ CN: ['a + OU=admin'] }, { OU: ['client'] }]),
    );
    const newline = await subjects.withSubject('z', 'Org1MSP', new x509.Name([{ CN: ['a\nOU=admin'] }]));
    const cased = await subjects.withSubject(
      'w',
      'Org1MSP',
      new x509.Name([{ CN: ['w'] }, { OU: ['Admin'] }]),
    );
    for (const who of [inCn, plus, newline, cased]) {
      await harness.expectRejected(who, 'Governance:Bootstrap', [''], 'FORBIDDEN');
    }
  });

  it('accepts OU=admin in a multi-valued RDN, and falls back to a generic name without a usable CN', async () => {
    const multi = await subjects.withSubject('m', 'Org1MSP', new x509.Name([{ OU: ['client', 'admin'] }]));
    const res = await harness.submit<Record<string, Record<string, unknown>>>(
      multi,
      'Governance:Bootstrap',
      '',
    );
    expect(res.value['admin']).toMatchObject({ fingerprint: multi.fingerprint, name: 'Org1MSP admin' });
  });

  it('happens once only', async () => {
    await harness.submit(deployer, 'Governance:Bootstrap', '');
    const message = await harness.expectRejected(otherOrgAdmin, 'Governance:Bootstrap', [''], 'CONFLICT');
    expect(message).toContain('already bootstrapped');
    await harness.expectRejected(deployer, 'Governance:Bootstrap', ['{}'], 'CONFLICT');
    // a non-admin is refused for its certificate before state is looked at
    await harness.expectRejected(client, 'Governance:Bootstrap', [''], 'FORBIDDEN');
  });

  it.each([
    ['not JSON', '{', 'not valid JSON'],
    ['an array', '[]', '(value)'],
    ['an unknown field', '{"admins":[]}', 'admins'],
    [
      'a bad admin fingerprint',
      JSON.stringify({ admin: { mspId: 'Org1MSP', fingerprint: 'AB', name: 'x' } }),
      'admin.fingerprint',
    ],
    [
      'an upper-case fingerprint',
      JSON.stringify({ admin: { mspId: 'Org1MSP', fingerprint: 'A'.repeat(64), name: 'x' } }),
      'admin.fingerprint',
    ],
    [
      'a bad admin MSP id',
      JSON.stringify({ admin: { mspId: 'Org 1', fingerprint: 'a'.repeat(64), name: 'x' } }),
      'admin.mspId',
    ],
    [
      'an empty admin name',
      JSON.stringify({ admin: { mspId: 'Org1MSP', fingerprint: 'a'.repeat(64), name: '' } }),
      'admin.name',
    ],
    [
      'a control character in the name',
      JSON.stringify({ admin: { mspId: 'Org1MSP', fingerprint: 'a'.repeat(64), name: 'a\u0007' } }),
      'admin.name',
    ],
    [
      'a missing admin name',
      JSON.stringify({ admin: { mspId: 'Org1MSP', fingerprint: 'a'.repeat(64) } }),
      'admin.name',
    ],
    ['an unknown rule kind', '{"quorumRule":{"kind":"majority"}}', 'quorumRule.kind'],
    ['a zero threshold', '{"quorumRule":{"kind":"threshold","threshold":0}}', 'quorumRule.threshold'],
    ['a fractional threshold', '{"quorumRule":{"kind":"threshold","threshold":1.5}}', 'quorumRule.threshold'],
    ['a huge threshold', '{"quorumRule":{"kind":"threshold","threshold":1001}}', 'quorumRule.threshold'],
    ['a missing threshold', '{"quorumRule":{"kind":"threshold"}}', 'quorumRule.threshold'],
    ['a threshold on bft', '{"quorumRule":{"kind":"bft","threshold":2}}', 'quorumRule'],
  ])('rejects %s', async (_what, args, field) => {
    const message = await harness.expectRejected(
      deployer,
      'Governance:Bootstrap',
      [args],
      'INVALID_ARGUMENT',
    );
    expect(message).toContain(field);
  });

  it('reads nothing before bootstrap: queries need a role, and the config is not found', async () => {
    await harness.expectRejected(deployer, 'Governance:GetConfig', [], 'FORBIDDEN');
    await expect(harness.evaluate(client, 'Governance:GetConfig')).rejects.toThrow(
      /\[NOT_FOUND\] governance is not bootstrapped/,
    );
    await expect(harness.evaluate(client, 'Governance:GetQuorum')).rejects.toThrow(/\[NOT_FOUND\]/);
  });
});
