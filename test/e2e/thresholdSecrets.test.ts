/**
 * No share and no group secret of threshold custody reaches the ledger, the devnet's files, any module's files
 * (its token holds shares only sealed) or any log. The test reads each module's shares out of its own token (a
 * child process per token: SoftHSM reads one configuration per process), rebuilds the group secret from them,
 * checks that it is the key the ledger publishes, and looks for every share of every epoch and the secret, in
 * every encoding, in every file under the test's data folder and every log line.
 */
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import pino from 'pino';
import { frost, identifierOf } from '../../gateway/src/threshold/math';
import { ThresholdService } from '../../gateway/src/threshold/service/thresholdService';
import { filesUnder, secretsFound } from './support/secretScan';
import { startThresholdNet, type ThresholdNet } from './support/thresholdNet';

jest.setTimeout(240_000);

const GATEWAY_DIST = resolve(__dirname, '../../gateway/dist');

/** The module's share of `keyId` at `epoch`, read from its token by a process of its own. */
function shareOf(dataDir: string, moduleId: string, keyId: string, epoch: number): Buffer {
  const script = `
    const { join } = require('node:path');
    const pino = require('pino');
    const hsm = require(${JSON.stringify(join(GATEWAY_DIST, 'hsm'))});
    const { ShareStore } = require(${JSON.stringify(join(GATEWAY_DIST, 'threshold'))});
    const dir = process.argv[1];
    hsm.useSoftHsmDirectory(join(dir, 'hsm'));
    const { credentials } = new hsm.LocalTokenStore(join(dir, 'hsm')).ensure(process.argv[2]);
    const token = hsm.HsmToken.open({ label: credentials.label, pin: credentials.pin });
    const share = ShareStore.open(token, process.argv[3], pino({ level: 'silent' })).open(process.argv[4], Number(process.argv[5]));
    process.stdout.write(share.toString('hex'));
    token.close();
  `;
  const hex = execFileSync(
    process.execPath,
    ['-e', script, dataDir, `module-${moduleId}`, moduleId, keyId, String(epoch)],
    // stderr is kept, not printed: the last read in the test is expected to fail.
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return Buffer.from(hex, 'hex');
}

describe('no threshold share or secret on the ledger, in files or in logs', () => {
  let tn: ThresholdNet;
  const logLines: string[] = [];

  beforeAll(async () => {
    tn = await startThresholdNet('keyledger-threshold-secrets-');
    await Promise.all(['m1', 'm2', 'm3'].map((name, i) => tn.startModule(name, i + 1)));
    await tn.adminLedger.setPolicy({ keyId: 'k', t: 2, n: 3, minTrust: 100 });
  });

  afterAll(async () => {
    await tn?.stop();
  });

  it('keeps every share sealed in its token and the group secret nowhere', async () => {
    const service = new ThresholdService({
      modules: tn.caller,
      logger: pino({ level: 'trace' }, { write: (line: string) => logLines.push(line) }),
    });
    const keygen = await service.keygen(tn.adminLedger, { keyId: 'k' });
    const moduleDir = (name: string): string => join(tn.net.dataDir, 'modules', name);
    const epoch1 = ['m1', 'm2', 'm3'].map((name) => shareOf(moduleDir(name), name, 'k', 1));
    await service.sign(tn.orchestratorLedger, { keyId: 'k', message: Buffer.from('one') });
    const escrow = await service.escrow(tn.orchestratorLedger, 'k', Buffer.from('a wrapped secret'), 'ctx');
    await service.unwrap(tn.orchestratorLedger, 'k', escrow, 'ctx');
    const derived = await service.deriveKey(tn.orchestratorLedger, 'k', 'backup', 1);
    await service.refresh(tn.adminLedger, 'k');
    const epoch2 = ['m1', 'm2', 'm3'].map((name) => shareOf(moduleDir(name), name, 'k', 2));
    await service.sign(tn.orchestratorLedger, { keyId: 'k', message: Buffer.from('two') });

    // The shares read are the real ones: any two rebuild the key the ledger publishes, before and after refresh.
    const secret = (shares: Buffer[]): Buffer =>
      Buffer.from(
        frost.combineSecret(
          shares
            .slice(0, 2)
            .map((share, i) => ({ identifier: identifierOf(i + 1), signingShare: new Uint8Array(share) })),
          { min: 2, max: 3 },
        ),
      );
    const groupSecret = secret(epoch1);
    expect(secret(epoch2).equals(groupSecret)).toBe(true);
    const publicKey = Buffer.from(
      ed25519.Point.BASE.multiply(ed25519.Point.Fn.fromBytes(groupSecret)).toBytes(),
    );
    expect(publicKey.toString('hex')).toBe(keygen.groupPublicKey);

    const secrets = [
      { what: 'group secret', bytes: groupSecret },
      { what: 'derived epoch key', bytes: derived.result },
      ...epoch1.map((bytes, i) => ({ what: `m${i + 1} share epoch 1`, bytes })),
      ...epoch2.map((bytes, i) => ({ what: `m${i + 1} share epoch 2`, bytes })),
    ];
    const files = filesUnder(tn.net.dataDir);
    expect(files.some((file) => file.includes(join('modules', 'm1', 'hsm')))).toBe(true);
    expect(files.some((file) => file.endsWith('module.log'))).toBe(true);
    expect(secretsFound(secrets, files, logLines)).toEqual([]);
    // And the old shares are gone from the tokens: reading epoch 1 now fails.
    expect(() => shareOf(moduleDir('m1'), 'm1', 'k', 1)).toThrow();
  });
});
