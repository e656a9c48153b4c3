import { generateKeyPairSync } from 'node:crypto';
import type { ChaincodeHarness } from '../support/harness';
import {
  attest,
  attestationInput,
  createCast,
  DAY,
  FIRMWARE,
  fixture,
  hex,
  MINUTE,
  moduleInput,
  newHarness,
  register,
  score,
  signStatement,
  type Cast,
  type ModuleFixture,
} from './fixtures';

const REGISTER = 'TrustDomain:RegisterModule';
const ATTEST = 'TrustDomain:SubmitAttestation';
const TAMPER = 'TrustDomain:ReportTamper';
const CLEAR = 'TrustDomain:ClearQuarantine';
const ANOMALY = 'TrustDomain:ReportAnomaly';
const PARTICIPATION = 'TrustDomain:RecordParticipation';

interface ModuleView {
  moduleId: string;
  shareIndex: number;
  status: string;
  score: number;
  version: number;
  keyType: string;
  trust: Record<string, unknown>;
  [key: string]: unknown;
}

describe('TrustDomain modules and trust inputs', () => {
  let cast: Cast;
  let harness: ChaincodeHarness;
  let m1: ModuleFixture;
  let m2: ModuleFixture;
  let m3: ModuleFixture;

  beforeAll(async () => {
    cast = await createCast(4);
  });

  beforeEach(() => {
    harness = newHarness(cast);
    m1 = fixture(cast, 1, 'p256');
    m2 = fixture(cast, 2, 'ed25519');
    m3 = fixture(cast, 3, 'p256');
  });

  describe('RegisterModule', () => {
    it('registers a P-256 module and emits ModuleRegistered', async () => {
      const tx = await harness.submit<ModuleView>(
        cast.admin,
        REGISTER,
        moduleInput(m1, { endpoint: 'https://hsm-1.example:8443/v1' }),
      );
      expect(tx.value).toMatchObject({
        moduleId: 'hsm-1',
        keyType: 'p256',
        shareIndex: 1,
        owner: { mspId: m1.owner.mspId, fingerprint: m1.owner.fingerprint },
        endpoint: 'https://hsm-1.example:8443/v1',
        status: 'active',
        score: 200,
        version: 1,
        registeredAt: harness.now,
        publicKeyPem: m1.keys.publicKeyPem,
      });
      expect(tx.event).toEqual({
        name: 'ModuleRegistered',
        payload: {
          moduleId: 'hsm-1',
          shareIndex: 1,
          keyType: 'p256',
          publicKeyDigest: tx.value.publicKeyDigest,
          owner: { mspId: m1.owner.mspId, fingerprint: m1.owner.fingerprint },
          registeredAt: harness.now,
          txId: tx.txId,
        },
      });
    });

    it('registers an Ed25519 module', async () => {
      const tx = await register(harness, cast, m2);
      expect(tx.value).toMatchObject({ moduleId: 'hsm-2', keyType: 'ed25519', shareIndex: 2 });
    });

    it('is for admins, or a module owner registering its own module', async () => {
      for (const who of [cast.orchestrator, cast.auditor, m2.owner, cast.outsider]) {
        await harness.expectRejected(who, REGISTER, [moduleInput(m1)], 'FORBIDDEN');
      }
    });

    it('rejects malformed input, naming the field', async () => {
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ moduleId: 'bad id' }, /moduleId/],
        [{ shareIndex: 0 }, /shareIndex/],
        [{ shareIndex: 256 }, /shareIndex/],
        [{ shareIndex: 1.5 }, /shareIndex/],
        [{ owner: { mspId: 'Org1MSP', fingerprint: 'XYZ' } }, /owner\.fingerprint/],
        [{ owner: { mspId: 'Org1MSP' } }, /owner\.fingerprint/],
        [{ endpoint: 'ftp://x' }, /endpoint/],
        [{ extra: true }, /extra/],
        [{ publicKeyPem: 'not a pem' }, /publicKeyPem/],
      ];
      for (const [change, pattern] of cases) {
        const message = await harness.expectRejected(
          cast.admin,
          REGISTER,
          [moduleInput(m1, change)],
          'INVALID_ARGUMENT',
        );
        expect(message).toMatch(pattern);
      }
      await harness.expectRejected(cast.admin, REGISTER, ['{oops'], 'INVALID_ARGUMENT');
    });

    it('rejects private keys and unsupported key types', async () => {
      const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const privatePem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      const message = await harness.expectRejected(
        cast.admin,
        REGISTER,
        [moduleInput(m1, { publicKeyPem: privatePem })],
        'INVALID_ARGUMENT',
      );
      expect(message).toMatch(/private key/);
      expect(message).not.toContain(privatePem.split('\n')[1]);
      const rsaPem = generateKeyPairSync('rsa', { modulusLength: 1024 })
        .publicKey.export({ type: 'spki', format: 'pem' })
        .toString();
      await harness.expectRejected(
        cast.admin,
        REGISTER,
        [moduleInput(m1, { publicKeyPem: rsaPem })],
        'INVALID_ARGUMENT',
      );
    });

    it('rejects a duplicate moduleId, shareIndex or public key', async () => {
      await register(harness, cast, m1);
      await harness.expectRejected(cast.admin, REGISTER, [moduleInput({ ...m1, shareIndex: 9 })], 'CONFLICT');
      const dupIndex = await harness.expectRejected(
        cast.admin,
        REGISTER,
        [moduleInput({ ...m2, shareIndex: 1 })],
        'CONFLICT',
      );
      expect(dupIndex).toMatch(/share index 1 is already held by module hsm-1/);
      const dupKey = await harness.expectRejected(
        cast.admin,
        REGISTER,
        [moduleInput({ ...m2, keys: m1.keys })],
        'CONFLICT',
      );
      expect(dupKey).toMatch(/public key is already registered for module hsm-1/);
    });
  });

  describe('GetModule / GetTrustScore / ListModules / ListTrustEvents', () => {
    beforeEach(async () => {
      await register(harness, cast, m1);
      await register(harness, cast, m2);
      await register(harness, cast, m3);
    });

    it('returns the record with its current score', async () => {
      await attest(harness, m2);
      const { value } = await harness.evaluate<ModuleView>(cast.auditor, 'TrustDomain:GetModule', 'hsm-2');
      expect(value).toMatchObject({ moduleId: 'hsm-2', score: 800, version: 2 });
      expect(value.trust).toMatchObject({ attestations: 1, lastFirmwareDigest: FIRMWARE });
    });

    it('explains the score', async () => {
      await attest(harness, m1);
      const attestedAt = harness.now;
      harness.advance(4 * DAY - 1000);
      const { value } = await harness.evaluate<Record<string, unknown>>(
        m1.owner,
        'TrustDomain:GetTrustScore',
        'hsm-1',
      );
      expect(value).toMatchObject({
        moduleId: 'hsm-1',
        status: 'active',
        score: 500,
        attestation: 300,
        participation: 200,
        anomalyPenalty: 0,
        cheaterPenalty: 0,
        quarantined: false,
        attestationAgeMs: 4 * DAY,
        computedAt: attestedAt + 4 * DAY,
      });
      expect(value['inputs']).toMatchObject({ attestations: 1, lastAttestedAt: attestedAt });
    });

    it('lists modules above a threshold by score desc, then moduleId', async () => {
      await attest(harness, m3);
      await attest(harness, m1);
      const all = await harness.evaluate<{ modules: ModuleView[]; minScore: number }>(
        cast.orchestrator,
        'TrustDomain:ListModules',
        '0',
      );
      expect(all.value.minScore).toBe(0);
      expect(all.value.modules.map((m) => [m.moduleId, m.score])).toEqual([
        ['hsm-1', 800],
        ['hsm-3', 800],
        ['hsm-2', 200],
      ]);
      const trusted = await harness.evaluate<{ modules: ModuleView[] }>(
        cast.orchestrator,
        'TrustDomain:ListModules',
        '500',
      );
      expect(trusted.value.modules.map((m) => m.moduleId)).toEqual(['hsm-1', 'hsm-3']);
      const none = await harness.evaluate<{ modules: ModuleView[] }>(
        cast.orchestrator,
        'TrustDomain:ListModules',
        '1000',
      );
      expect(none.value.modules).toEqual([]);
    });

    it('rejects bad arguments, unknown modules and callers without a role', async () => {
      await expect(harness.evaluate(cast.admin, 'TrustDomain:ListModules', '1001')).rejects.toThrow(
        /INVALID_ARGUMENT/,
      );
      await expect(harness.evaluate(cast.admin, 'TrustDomain:ListModules', 'x')).rejects.toThrow(
        /INVALID_ARGUMENT/,
      );
      await expect(harness.evaluate(cast.admin, 'TrustDomain:GetModule', 'nope')).rejects.toThrow(
        /NOT_FOUND/,
      );
      await expect(harness.evaluate(cast.admin, 'TrustDomain:GetModule', 'bad id')).rejects.toThrow(
        /INVALID_ARGUMENT/,
      );
      await expect(harness.evaluate(cast.admin, 'TrustDomain:GetTrustScore', 'nope')).rejects.toThrow(
        /NOT_FOUND/,
      );
      for (const fn of ['GetModule', 'GetTrustScore']) {
        await expect(harness.evaluate(cast.outsider, `TrustDomain:${fn}`, 'hsm-1')).rejects.toThrow(
          /FORBIDDEN/,
        );
      }
      await expect(harness.evaluate(cast.outsider, 'TrustDomain:ListModules', '0')).rejects.toThrow(
        /FORBIDDEN/,
      );
    });

    it('pages through trust events, oldest first', async () => {
      await attest(harness, m1);
      await harness.submit(
        cast.auditor,
        ANOMALY,
        JSON.stringify({ moduleId: 'hsm-1', kind: 'latency', severity: 1 }),
      );
      await attest(harness, m2);
      await attest(harness, m1);
      const first = await harness.evaluate<{ items: { kind: string; moduleId: string }[]; bookmark: string }>(
        cast.auditor,
        'TrustDomain:ListTrustEvents',
        'hsm-1',
        '2',
        '',
      );
      expect(first.value.items.map((e) => e.kind)).toEqual(['attestation', 'anomaly']);
      expect(first.value.bookmark).not.toBe('');
      const second = await harness.evaluate<{ items: { kind: string }[]; bookmark: string }>(
        cast.auditor,
        'TrustDomain:ListTrustEvents',
        'hsm-1',
        '2',
        first.value.bookmark,
      );
      expect(second.value).toEqual({
        items: [expect.objectContaining({ kind: 'attestation' })],
        bookmark: '',
      });
      const all = await harness.evaluate<{ items: unknown[] }>(
        cast.auditor,
        'TrustDomain:ListTrustEvents',
        'hsm-1',
        '',
        '',
      );
      expect(all.value.items).toHaveLength(3);
      await expect(
        harness.evaluate(cast.auditor, 'TrustDomain:ListTrustEvents', 'hsm-1', '0', ''),
      ).rejects.toThrow(/INVALID_ARGUMENT/);
      await expect(
        harness.evaluate(cast.auditor, 'TrustDomain:ListTrustEvents', 'nope', '5', ''),
      ).rejects.toThrow(/NOT_FOUND/);
      await expect(
        harness.evaluate(cast.outsider, 'TrustDomain:ListTrustEvents', 'hsm-1', '5', ''),
      ).rejects.toThrow(/FORBIDDEN/);
    });
  });

  describe('SubmitAttestation', () => {
    beforeEach(async () => {
      await register(harness, cast, m1);
      await register(harness, cast, m2);
    });

    it.each(['p256', 'ed25519'] as const)(
      'accepts a valid %s attestation from the owner',
      async (keyType) => {
        const module = keyType === 'p256' ? m1 : m2;
        const { json } = attestationInput(harness, module);
        const tx = await harness.submit(module.owner, ATTEST, json);
        expect(tx.value).toEqual({
          moduleId: module.moduleId,
          attestations: 1,
          lastAttestedAt: harness.now,
          firmwareChanged: false,
          score: 800,
        });
        expect(tx.event).toEqual({
          name: 'AttestationSubmitted',
          payload: {
            moduleId: module.moduleId,
            firmwareDigest: FIRMWARE,
            firmwareChanged: false,
            attestedAt: harness.now,
            attestations: 1,
            score: 800,
            txId: tx.txId,
          },
        });
      },
    );

    it('counts attestations and flags a firmware change', async () => {
      await attest(harness, m1);
      const { json } = attestationInput(harness, m1, { firmwareDigest: hex('firmware-2.0.0') });
      const tx = await harness.submit(m1.owner, ATTEST, json);
      expect(tx.value).toMatchObject({ attestations: 2, firmwareChanged: true });
    });

    it('accepts issuedAt up to ±10 minutes from the tx time', async () => {
      const early = attestationInput(harness, m1, { issuedAt: harness.now + 1000 - 10 * MINUTE });
      await harness.submit(m1.owner, ATTEST, early.json);
      const late = attestationInput(harness, m1, { issuedAt: harness.now + 1000 + 10 * MINUTE });
      await harness.submit(m1.owner, ATTEST, late.json);
    });

    it('rejects a stale or future statement', async () => {
      const stale = attestationInput(harness, m1, { issuedAt: harness.now + 1000 - 10 * MINUTE - 1 });
      const message = await harness.expectRejected(m1.owner, ATTEST, [stale.json], 'INVALID_ARGUMENT');
      expect(message).toMatch(/issuedAt is -600001 ms/);
      const future = attestationInput(harness, m1, { issuedAt: harness.now + 1000 + 11 * MINUTE });
      await harness.expectRejected(m1.owner, ATTEST, [future.json], 'INVALID_ARGUMENT');
    });

    it('rejects a bad signature and changes nothing', async () => {
      const { statement } = attestationInput(harness, m1);
      const forged = JSON.stringify({
        moduleId: 'hsm-1',
        statement,
        signature: signStatement(m3.keys, statement),
      });
      const message = await harness.expectRejected(m1.owner, ATTEST, [forged], 'INVALID_ARGUMENT');
      expect(message).toMatch(/signature does not verify/);
      const tampered = JSON.stringify({
        moduleId: 'hsm-1',
        statement: { ...statement, firmwareDigest: hex('evil') },
        signature: signStatement(m1.keys, statement),
      });
      await harness.expectRejected(m1.owner, ATTEST, [tampered], 'INVALID_ARGUMENT');
      // An Ed25519 signature presented for the Ed25519 module but made with another key.
      const other = attestationInput(harness, { ...m2, keys: fixture(cast, 4, 'ed25519').keys });
      await harness.expectRejected(m2.owner, ATTEST, [other.json], 'INVALID_ARGUMENT');
      expect(await score(harness, cast.admin, 'hsm-1')).toBe(200);
    });

    it('rejects a replayed nonce', async () => {
      const { json, statement } = attestationInput(harness, m1);
      await harness.submit(m1.owner, ATTEST, json);
      // The very same attestation, and a fresh statement reusing the nonce.
      await harness.expectRejected(m1.owner, ATTEST, [json], 'CONFLICT');
      const reused = attestationInput(harness, m1, { nonce: statement.nonce, issuedAt: harness.now + 1000 });
      const message = await harness.expectRejected(m1.owner, ATTEST, [reused.json], 'CONFLICT');
      expect(message).toMatch(/nonce already used/);
      // The nonce is per module: another module may use it.
      const elsewhere = attestationInput(harness, m2, {
        nonce: statement.nonce,
        issuedAt: harness.now + 1000,
      });
      await harness.submit(m2.owner, ATTEST, elsewhere.json);
    });

    it('accepts the module owner only', async () => {
      const { json } = attestationInput(harness, m1);
      await harness.expectRejected(m2.owner, ATTEST, [json], 'FORBIDDEN');
      for (const who of [cast.admin, cast.orchestrator, cast.outsider]) {
        await harness.expectRejected(who, ATTEST, [json], 'FORBIDDEN');
      }
    });

    it('rejects malformed attestations and unknown modules', async () => {
      const { statement } = attestationInput(harness, m1);
      const signature = signStatement(m1.keys, statement);
      const cases: [unknown, RegExp][] = [
        [{ moduleId: 'hsm-1', statement: { ...statement, nonce: 'short' }, signature }, /statement\.nonce/],
        [
          { moduleId: 'hsm-1', statement: { ...statement, firmwareDigest: 'abc' }, signature },
          /firmwareDigest/,
        ],
        [{ moduleId: 'hsm-1', statement: { ...statement, issuedAt: -1 }, signature }, /issuedAt/],
        [{ moduleId: 'hsm-1', statement: { ...statement, extra: 1 }, signature }, /extra/],
        [{ moduleId: 'hsm-1', statement, signature: '***' }, /signature/],
        [{ moduleId: 'hsm-1', statement }, /signature/],
      ];
      for (const [input, pattern] of cases) {
        const message = await harness.expectRejected(
          m1.owner,
          ATTEST,
          [JSON.stringify(input)],
          'INVALID_ARGUMENT',
        );
        expect(message).toMatch(pattern);
      }
      const unknown = JSON.stringify({ moduleId: 'hsm-9', statement, signature });
      await harness.expectRejected(m1.owner, ATTEST, [unknown], 'NOT_FOUND');
    });
  });

  describe('ReportTamper / ClearQuarantine', () => {
    const evidence = hex('tamper-switch-log');

    beforeEach(async () => {
      await register(harness, cast, m1);
      await register(harness, cast, m2);
      await attest(harness, m1);
    });

    function report(moduleId = 'hsm-1', evidenceDigest = evidence): string {
      return JSON.stringify({ moduleId, evidenceDigest, description: 'enclosure opened' });
    }

    it('quarantines the module: score 0, TamperReported', async () => {
      expect(await score(harness, cast.admin, 'hsm-1')).toBe(800);
      const tx = await harness.submit<ModuleView>(cast.auditor, TAMPER, report());
      expect(tx.value).toMatchObject({
        status: 'quarantined',
        score: 0,
        quarantinedAt: harness.now,
        quarantineEvidence: evidence,
      });
      expect(tx.event).toEqual({
        name: 'TamperReported',
        payload: {
          moduleId: 'hsm-1',
          evidenceDigest: evidence,
          status: 'quarantined',
          tamperReports: 1,
          reportedAt: harness.now,
          reportedBy: `${cast.auditor.mspId}/${cast.auditor.fingerprint}`,
          txId: tx.txId,
        },
      });
      // Attestations are still recorded while quarantined, but do not lift the quarantine.
      await attest(harness, m1);
      expect(await score(harness, cast.admin, 'hsm-1')).toBe(0);
    });

    it('accepts reports from admin, orchestrator and the module owner itself; new evidence adds up', async () => {
      await harness.submit(cast.admin, TAMPER, report('hsm-1', hex('a')));
      const second = await harness.submit<ModuleView>(cast.orchestrator, TAMPER, report('hsm-1', hex('b')));
      expect(second.value.trust['tamperReports']).toBe(2);
      expect(second.value['quarantineEvidence']).toBe(hex('a'));
      await harness.submit(m2.owner, TAMPER, report('hsm-2', hex('c')));
      expect(await score(harness, cast.admin, 'hsm-2')).toBe(0);
    });

    it('rejects other module owners and roles, bad input, unknown modules and repeated evidence', async () => {
      await harness.expectRejected(m2.owner, TAMPER, [report()], 'FORBIDDEN');
      await harness.expectRejected(cast.validator, TAMPER, [report()], 'FORBIDDEN');
      await harness.expectRejected(cast.outsider, TAMPER, [report()], 'FORBIDDEN');
      await harness.expectRejected(cast.auditor, TAMPER, [report('hsm-1', 'xyz')], 'INVALID_ARGUMENT');
      await harness.expectRejected(
        cast.auditor,
        TAMPER,
        [JSON.stringify({ moduleId: 'hsm-1', evidenceDigest: evidence, description: '' })],
        'INVALID_ARGUMENT',
      );
      await harness.expectRejected(cast.auditor, TAMPER, [report('hsm-9')], 'NOT_FOUND');
      await harness.submit(cast.auditor, TAMPER, report());
      await harness.expectRejected(cast.admin, TAMPER, [report()], 'CONFLICT');
    });

    it('clears a quarantine (admin); the module must attest again to regain trust', async () => {
      await harness.submit(cast.auditor, TAMPER, report());
      const tx = await harness.submit<ModuleView>(
        cast.admin,
        CLEAR,
        'hsm-1',
        'enclosure inspected, seals replaced',
      );
      expect(tx.value).toMatchObject({ status: 'active', score: 200 });
      expect(tx.value['quarantinedAt']).toBeUndefined();
      expect(tx.event).toEqual({
        name: 'QuarantineCleared',
        payload: {
          moduleId: 'hsm-1',
          clearedAt: harness.now,
          clearedBy: `${cast.admin.mspId}/${cast.admin.fingerprint}`,
          reason: 'enclosure inspected, seals replaced',
          score: 200,
          txId: tx.txId,
        },
      });
      await attest(harness, m1);
      expect(await score(harness, cast.admin, 'hsm-1')).toBe(800);
    });

    it('rejects clearing by non-admins, without a reason, of unknown or unquarantined modules', async () => {
      await harness.expectRejected(cast.admin, CLEAR, ['hsm-1', 'why'], 'CONFLICT');
      await harness.submit(cast.auditor, TAMPER, report());
      for (const who of [cast.auditor, cast.orchestrator, m1.owner]) {
        await harness.expectRejected(who, CLEAR, ['hsm-1', 'why'], 'FORBIDDEN');
      }
      await harness.expectRejected(cast.admin, CLEAR, ['hsm-1', ''], 'INVALID_ARGUMENT');
      await harness.expectRejected(cast.admin, CLEAR, ['bad id', 'why'], 'INVALID_ARGUMENT');
      await harness.expectRejected(cast.admin, CLEAR, ['hsm-9', 'why'], 'NOT_FOUND');
    });
  });

  describe('ReportAnomaly', () => {
    beforeEach(async () => {
      await register(harness, cast, m1);
      await attest(harness, m1);
    });

    it('lowers the score by severity, decaying over time; AnomalyReported', async () => {
      const tx = await harness.submit(
        cast.auditor,
        ANOMALY,
        JSON.stringify({
          moduleId: 'hsm-1',
          kind: 'slow-response',
          severity: 5,
          evidenceDigest: hex('trace'),
        }),
      );
      expect(tx.value).toEqual({ moduleId: 'hsm-1', anomalies: 1, score: 600 });
      expect(tx.event).toEqual({
        name: 'AnomalyReported',
        payload: {
          moduleId: 'hsm-1',
          kind: 'slow-response',
          severity: 5,
          reportedAt: harness.now,
          score: 600,
          txId: tx.txId,
        },
      });
      await harness.submit(
        cast.orchestrator,
        ANOMALY,
        JSON.stringify({ moduleId: 'hsm-1', kind: 'timeout', severity: 1 }),
      );
      await harness.submit(
        cast.admin,
        ANOMALY,
        JSON.stringify({ moduleId: 'hsm-1', kind: 'timeout', severity: 1 }),
      );
      expect(await score(harness, cast.admin, 'hsm-1')).toBe(800 - 200 - 40 - 40);
      // 15 days later: half of each penalty is left; attestation has gone stale.
      harness.advance(15 * DAY - 1000);
      const later = await harness.evaluate<Record<string, number>>(
        cast.admin,
        'TrustDomain:GetTrustScore',
        'hsm-1',
      );
      expect(later.value).toMatchObject({ anomalyPenalty: 100 + 20 + 20, attestation: 0, score: 200 - 140 });
    });

    it('rejects wrong roles, bad input, unknown modules and repeated evidence', async () => {
      const ok = JSON.stringify({
        moduleId: 'hsm-1',
        kind: 'timeout',
        severity: 3,
        evidenceDigest: hex('e1'),
      });
      for (const who of [m1.owner, cast.validator, cast.outsider]) {
        await harness.expectRejected(who, ANOMALY, [ok], 'FORBIDDEN');
      }
      for (const bad of [{ severity: 0 }, { severity: 6 }, { kind: 'Bad Kind' }, { evidenceDigest: '12' }]) {
        const input = JSON.stringify({ moduleId: 'hsm-1', kind: 'timeout', severity: 3, ...bad });
        await harness.expectRejected(cast.auditor, ANOMALY, [input], 'INVALID_ARGUMENT');
      }
      await harness.expectRejected(
        cast.auditor,
        ANOMALY,
        [JSON.stringify({ moduleId: 'hsm-9', kind: 'timeout', severity: 3 })],
        'NOT_FOUND',
      );
      await harness.submit(cast.auditor, ANOMALY, ok);
      await harness.expectRejected(cast.orchestrator, ANOMALY, [ok], 'CONFLICT');
    });
  });

  describe('RecordParticipation', () => {
    beforeEach(async () => {
      await register(harness, cast, m1);
    });

    it('moves the participation ratio; ParticipationRecorded', async () => {
      const tx = await harness.submit(
        cast.orchestrator,
        PARTICIPATION,
        JSON.stringify({ moduleId: 'hsm-1', sessionId: 'dkg-7', ok: true }),
      );
      expect(tx.value).toEqual({
        moduleId: 'hsm-1',
        sessionId: 'dkg-7',
        ok: true,
        participationOk: 1,
        participationFailed: 0,
        score: 266,
      });
      expect(tx.event).toEqual({
        name: 'ParticipationRecorded',
        payload: { moduleId: 'hsm-1', sessionId: 'dkg-7', ok: true, score: 266, txId: tx.txId },
      });
      const failed = await harness.submit(
        cast.orchestrator,
        PARTICIPATION,
        JSON.stringify({ moduleId: 'hsm-1', sessionId: 'dkg-8', ok: false }),
      );
      expect(failed.value).toMatchObject({ participationOk: 1, participationFailed: 1, score: 200 });
    });

    it('rejects wrong roles, bad input, unknown modules and double counting', async () => {
      const input = JSON.stringify({ moduleId: 'hsm-1', sessionId: 'dkg-7', ok: true });
      for (const who of [cast.admin, cast.auditor, m1.owner]) {
        await harness.expectRejected(who, PARTICIPATION, [input], 'FORBIDDEN');
      }
      await harness.expectRejected(
        cast.orchestrator,
        PARTICIPATION,
        [JSON.stringify({ moduleId: 'hsm-1', sessionId: 'dkg-7', ok: 'yes' })],
        'INVALID_ARGUMENT',
      );
      await harness.expectRejected(
        cast.orchestrator,
        PARTICIPATION,
        [JSON.stringify({ moduleId: 'hsm-9', sessionId: 'dkg-7', ok: true })],
        'NOT_FOUND',
      );
      await harness.submit(cast.orchestrator, PARTICIPATION, input);
      const message = await harness.expectRejected(cast.orchestrator, PARTICIPATION, [input], 'CONFLICT');
      expect(message).toMatch(/already recorded/);
    });
  });
});
