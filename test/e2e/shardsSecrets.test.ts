/**
 * No secret of the shard scheme reaches the ledger, the devnet's files or the logs. The generator's token is
 * given a master key known to the test, so the test can derive with node:crypto, independently of the token,
 * every secret the scheme makes — K_dev, each epoch's stream and one-time key, each shard key — check that the
 * token derived the same (the published public keys match), then look for each of them, in every encoding,
 * in every byte the ledger and the logs hold.
 */
import { createHmac, createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { deviceKeyInfo, segmentLayout, shardKeyInfo, streamInfo } from '../../gateway/src/shards';
import { encodings, filesUnder } from './support/secretScan';
import { startShardsNet, type ShardsNet } from './support/shardsNet';

/** HKDF-Expand (RFC 5869 §2.3) with node:crypto HMAC: the test's own derivation, not the token's. */
function expand(prk: Buffer, info: Buffer, length: number): Buffer {
  const blocks: Buffer[] = [];
  let previous = Buffer.alloc(0);
  for (let i = 1; Buffer.concat(blocks).length < length; i += 1) {
    previous = createHmac('sha256', prk)
      .update(Buffer.concat([previous, info, Buffer.from([i])]))
      .digest();
    blocks.push(previous);
  }
  return Buffer.concat(blocks).subarray(0, length);
}

describe('no shard secret on the ledger, in the devnet files or in the logs', () => {
  const master = randomBytes(32);
  const logLines: string[] = [];
  let fixture: ShardsNet;

  beforeAll(async () => {
    const logger = pino({ level: 'trace' }, { write: (line: string) => logLines.push(line) });
    fixture = await startShardsNet('keyledger-shard-secrets-', {}, { masterKey: master, logger });
  }, 120_000);

  afterAll(async () => {
    await fixture?.stop();
  });

  it('derives what node:crypto derives, and none of it is written anywhere', async () => {
    const secrets: { what: string; bytes: Buffer }[] = [];
    for (const [id, n] of [
      ['dev-scan-a', 4],
      ['dev-scan-b', 16],
    ] as const) {
      const device = await fixture.addDevice(id);
      await fixture.generator.provision({
        deviceId: id,
        devicePublicKey: device.client.publicKey,
        deviceOwner: device.owner,
        n,
      });
      await device.client.enrol();
      await device.client.sign(Buffer.from('scan me'));
      await fixture.generator.rotate(id);
      await device.client.sign(Buffer.from('scan me again'));
      await fixture.generator.collect(id, 0);
      const kDev = expand(master, deviceKeyInfo(id), 32);
      secrets.push({ what: `K_dev of ${id}`, bytes: kDev });
      const layout = segmentLayout(n);
      for (const epoch of [1, 2]) {
        const stream = expand(kDev, streamInfo(epoch), layout.streamBytes);
        const seed = stream.subarray(0, 32);
        secrets.push({ what: `one-time key of ${id} epoch ${epoch}`, bytes: seed });
        secrets.push({ what: `stream of ${id} epoch ${epoch}`, bytes: stream });
        for (let index = 0; index < n; index += 1) {
          secrets.push({
            what: `shard key ${index} of ${id} epoch ${epoch}`,
            bytes: expand(kDev, shardKeyInfo(epoch, index), 32),
          });
        }
        // The token derived the same one-time key: its public half is the one the ledger publishes.
        const privateKey = createPrivateKey({
          key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]),
          format: 'der',
          type: 'pkcs8',
        });
        const publicKey = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(12);
        const map = await fixture.ledger.map(id, epoch);
        expect(map?.publicKey).toBe(Buffer.from(publicKey).toString('base64url'));
      }
    }
    secrets.push({ what: 'the fleet master key', bytes: master });

    const devnetDir = fixture.net.devnet.dataDir;
    const files = filesUnder(devnetDir).map((path) => ({ path, bytes: readFileSync(path) }));
    expect(files.length).toBeGreaterThan(3);
    // The ledger does hold the shards (ciphertext) and the wrapped K_dev: the scan looks at real content.
    const blocks = Buffer.concat(files.map((file) => file.bytes));
    const live = await fixture.ledger.bundle('dev-scan-a');
    expect(blocks.includes(Buffer.from(live!.shards[0]!.ciphertext))).toBe(true);
    expect(blocks.includes(Buffer.from('keyCheckValue'))).toBe(true);
    const logs = Buffer.from(logLines.join(''));
    expect(logLines.length).toBeGreaterThan(3);
    for (const { what, bytes } of secrets) {
      for (const encoded of encodings(bytes)) {
        for (const file of files) {
          if (file.bytes.includes(encoded)) {
            throw new Error(`${what} found in ${file.path}`);
          }
        }
        if (logs.includes(encoded)) {
          throw new Error(`${what} found in the logs`);
        }
      }
    }
    // Segments of 2 bytes (n = 16) are too short to look for on their own; the streams they form are covered.
  }, 120_000);
});
