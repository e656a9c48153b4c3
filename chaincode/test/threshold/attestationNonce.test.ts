import { createHash } from 'node:crypto';
import type { ChaincodeHarness } from '../support/harness';
import {
  createCast,
  FIRMWARE,
  fixture,
  hex,
  MINUTE,
  newHarness,
  register,
  signStatement,
  type Cast,
  type ModuleFixture,
  type Statement,
} from './fixtures';

const ISSUE = 'TrustDomain:IssueAttestationNonce';
const ATTEST = 'TrustDomain:SubmitAttestation';
const FORMAT = 'keyledger-software-attestation/v1';

interface SoftwareStatement extends Statement {
  readonly format?: string;
  readonly codeDigest?: string;
  readonly configDigest?: string;
  readonly tokenSerial?: string;
  readonly tokenLabel?: string;
}

function signed(module: ModuleFixture, statement: SoftwareStatement): string {
  return JSON.stringify({
    moduleId: module.moduleId,
    statement,
    signature: signStatement(module.keys, statement),
  });
}

describe('TrustDomain ledger-issued attestation nonces (software attestation v1)', () => {
  let cast: Cast;
  let harness: ChaincodeHarness;
  let m1: ModuleFixture;
  let m2: ModuleFixture;

  const issue = async (module: ModuleFixture = m1): Promise<string> =>
    (await harness.submit<{ nonce: string }>(module.owner, ISSUE, module.moduleId)).value.nonce;
  const software = (nonce: string, changes: Partial<SoftwareStatement> = {}): SoftwareStatement => ({
    nonce,
    firmwareDigest: FIRMWARE,
    issuedAt: harness.now + 1000,
    format: FORMAT,
    codeDigest: hex('code-1'),
    configDigest: hex('config-1'),
    tokenSerial: 'SN-0001',
    tokenLabel: 'keyledger-hsm-1',
    ...changes,
  });

  beforeAll(async () => {
    cast = await createCast(2);
  });

  beforeEach(async () => {
    harness = newHarness(cast);
    m1 = fixture(cast, 1, 'p256');
    m2 = fixture(cast, 2, 'ed25519');
    await register(harness, cast, m1);
    await register(harness, cast, m2);
  });

  it('issues sha256(txId ‖ moduleId) to the owner; AttestationNonceIssued', async () => {
    const tx = await harness.submit<{ moduleId: string; nonce: string; issuedAt: number }>(
      m1.owner,
      ISSUE,
      'hsm-1',
    );
    const nonce = createHash('sha256').update(`${tx.txId}hsm-1`).digest('hex');
    expect(tx.value).toEqual({ moduleId: 'hsm-1', nonce, issuedAt: harness.now });
    expect(tx.event).toEqual({
      name: 'AttestationNonceIssued',
      payload: { moduleId: 'hsm-1', nonce, issuedAt: harness.now, txId: tx.txId },
    });
    await harness.expectRejected(m2.owner, ISSUE, ['hsm-1'], 'FORBIDDEN');
    await harness.expectRejected(cast.admin, ISSUE, ['hsm-1'], 'FORBIDDEN');
    await harness.expectRejected(m1.owner, ISSUE, ['hsm-9'], 'NOT_FOUND');
  });

  it('accepts a v1 statement over the pending nonce, stores the fields and consumes the nonce', async () => {
    const nonce = await issue();
    const tx = await harness.submit<Record<string, unknown>>(m1.owner, ATTEST, signed(m1, software(nonce)));
    expect(tx.value).toMatchObject({ moduleId: 'hsm-1', attestations: 1, changed: [] });
    expect(tx.event?.payload).toMatchObject({
      format: FORMAT,
      codeDigest: hex('code-1'),
      configDigest: hex('config-1'),
      tokenSerial: 'SN-0001',
      tokenLabel: 'keyledger-hsm-1',
      changed: [],
    });
    const module = await harness.evaluate<{ trust: Record<string, unknown> }>(
      cast.auditor,
      'TrustDomain:GetModule',
      'hsm-1',
    );
    expect(module.value.trust).toMatchObject({
      lastCodeDigest: hex('code-1'),
      lastConfigDigest: hex('config-1'),
      lastTokenSerial: 'SN-0001',
      lastTokenLabel: 'keyledger-hsm-1',
    });
    const again = await harness.expectRejected(
      m1.owner,
      ATTEST,
      [signed(m1, software(nonce, { issuedAt: harness.now }))],
      'CONFLICT',
    );
    expect(again).toMatch(/already used/);
  });

  it('reports a changed codeDigest or tokenSerial without quarantining', async () => {
    await harness.submit(m1.owner, ATTEST, signed(m1, software(await issue())));
    const tx = await harness.submit<Record<string, unknown>>(
      m1.owner,
      ATTEST,
      signed(m1, software(await issue(), { codeDigest: hex('code-2'), tokenSerial: 'SN-0002' })),
    );
    expect(tx.event?.payload).toMatchObject({ changed: ['codeDigest', 'tokenSerial'] });
    const label = await harness.submit(
      m1.owner,
      ATTEST,
      signed(
        m1,
        software(await issue(), { codeDigest: hex('code-2'), tokenSerial: 'SN-0002', tokenLabel: 'x' }),
      ),
    );
    expect(label.event?.payload).toMatchObject({ changed: [] });
    const module = await harness.evaluate<{ status: string }>(cast.auditor, 'TrustDomain:GetModule', 'hsm-1');
    expect(module.value.status).toBe('active');
  });

  it('refuses a nonce that is not pending, replaced, or older than 10 minutes', async () => {
    const notIssued = await harness.expectRejected(
      m1.owner,
      ATTEST,
      [signed(m1, software(hex('guess')))],
      'CONFLICT',
    );
    expect(notIssued).toMatch(/not the pending ledger nonce/);
    const replaced = await issue();
    await issue();
    await harness.expectRejected(m1.owner, ATTEST, [signed(m1, software(replaced))], 'CONFLICT');
    const otherModule = await issue(m2);
    await harness.expectRejected(m1.owner, ATTEST, [signed(m1, software(otherModule))], 'CONFLICT');
    const old = await issue();
    harness.advance(10 * MINUTE);
    const expired = await harness.expectRejected(m1.owner, ATTEST, [signed(m1, software(old))], 'CONFLICT');
    expect(expired).toMatch(/expired/);
  });

  it('requires all four software fields with format', async () => {
    const nonce = await issue();
    for (const field of ['codeDigest', 'configDigest', 'tokenSerial', 'tokenLabel'] as const) {
      const statement = { ...software(nonce), [field]: undefined };
      const message = await harness.expectRejected(
        m1.owner,
        ATTEST,
        [signed(m1, statement)],
        'INVALID_ARGUMENT',
      );
      expect(message).toMatch(new RegExp(`statement\\.${field} required`));
    }
    const cases: Partial<SoftwareStatement>[] = [
      { format: 'other/v2' },
      { codeDigest: 'ab' },
      { tokenSerial: 'x'.repeat(65) },
      { tokenLabel: '' },
    ];
    for (const change of cases) {
      await harness.expectRejected(
        m1.owner,
        ATTEST,
        [signed(m1, software(nonce, change))],
        'INVALID_ARGUMENT',
      );
    }
  });

  it('keeps the original statement form working alongside', async () => {
    const statement = { nonce: 'legacy-0001', firmwareDigest: FIRMWARE, issuedAt: harness.now };
    const tx = await harness.submit<Record<string, unknown>>(m1.owner, ATTEST, signed(m1, statement));
    expect(tx.value).not.toHaveProperty('changed');
    expect(tx.event?.payload).not.toHaveProperty('format');
  });
});
