import { createVerify } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalBytes } from '@keyledger/chaincode/protocol';
import { pino } from 'pino';
import type { HsmToken } from '../../../src/hsm';
import { SOFTWARE_ATTESTATION_FORMAT } from '../../../src/threshold';
import { codeDigest, configDigest } from '../../../src/threshold/module';
import { attestationStatement, signAttestation } from '../../../src/threshold/module/attestation';
import { loadModuleIdentity } from '../../../src/threshold/module/identity';
import {
  readAttestedState,
  tokenSwapEvidence,
  writeAttestedState,
} from '../../../src/threshold/module/tamperRecord';
import { newTestToken } from '../../support/softhsm';

const logger = pino({ level: 'silent' });

describe('software attestation', () => {
  let token: HsmToken;
  let dir: string;

  beforeAll(() => {
    token = newTestToken('attestation');
    dir = mkdtempSync(join(tmpdir(), 'keyledger-attest-'));
  });

  afterAll(() => {
    token.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('signs the canonical JSON of the statement with the identity key, which survives a reload', () => {
    const identity = loadModuleIdentity(token, logger);
    expect(loadModuleIdentity(token, logger).publicKeyPem).toBe(identity.publicKeyPem);
    const info = token.info();
    const measurement = {
      codeDigest: 'a'.repeat(64),
      configDigest: 'b'.repeat(64),
      tokenSerial: info.serialNumber,
      tokenLabel: info.label,
    };
    const statement = attestationStatement(
      { moduleId: 'm1', nonce: 'nonce-0123', issuedAt: 1 },
      measurement,
      42,
    );
    expect(statement).toEqual({
      nonce: 'nonce-0123',
      firmwareDigest: 'a'.repeat(64),
      issuedAt: 42,
      format: SOFTWARE_ATTESTATION_FORMAT,
      codeDigest: 'a'.repeat(64),
      configDigest: 'b'.repeat(64),
      tokenSerial: info.serialNumber,
      tokenLabel: info.label,
    });
    const signed = signAttestation('m1', statement, identity);
    const verifier = createVerify('SHA256');
    verifier.update(canonicalBytes(statement));
    expect(verifier.verify(identity.publicKeyPem, Buffer.from(signed.signature, 'base64'))).toBe(true);
  });

  it('digests the code files (sorted, any change counts) and the canonical configuration', () => {
    const code = join(dir, 'code');
    mkdirSync(join(code, 'sub'), { recursive: true });
    writeFileSync(join(code, 'a.js'), 'one');
    writeFileSync(join(code, 'sub', 'b.js'), 'two');
    writeFileSync(join(code, 'types.d.ts'), 'ignored');
    const first = codeDigest([code]);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    writeFileSync(join(code, 'types.d.ts'), 'still ignored');
    expect(codeDigest([code])).toBe(first);
    writeFileSync(join(code, 'sub', 'b.js'), 'changed');
    expect(codeDigest([code])).not.toBe(first);
    expect(codeDigest()).toMatch(/^[0-9a-f]{64}$/);

    const config = {
      moduleId: 'm1',
      shareIndex: 1,
      host: '127.0.0.1',
      port: 0,
      mspId: 'Org1MSP',
      peerEndpoint: 'localhost:7051',
      tokenLabel: 'module-m1',
    };
    expect(configDigest(config)).toBe(configDigest({ ...config }));
    expect(configDigest({ ...config, shareIndex: 2 })).not.toBe(configDigest(config));
  });

  it('remembers the last start and derives swap evidence from both serials', () => {
    expect(readAttestedState(dir)).toBeUndefined();
    writeAttestedState(dir, { moduleId: 'm1', tokenSerial: 's1', codeDigest: 'c', startedAt: 1 });
    expect(readAttestedState(dir)).toMatchObject({ tokenSerial: 's1', codeDigest: 'c' });
    expect(tokenSwapEvidence('s1', 's2')).toMatch(/^[0-9a-f]{64}$/);
    expect(tokenSwapEvidence('s1', 's2')).not.toBe(tokenSwapEvidence('s2', 's1'));
  });
});
