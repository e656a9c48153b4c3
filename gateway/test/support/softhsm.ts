import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { ensureToken, HsmToken } from '../../src/hsm';

export const TEST_PIN = '98765432';
export const TEST_SO_PIN = '12345678';

/** The run's token directory, made by the global setup (never the system's). */
export function softHsmTestDir(): string {
  const dir = process.env['KEYLEDGER_TEST_SOFTHSM_DIR'];
  if (!dir || !existsSync(dir) || process.env['SOFTHSM2_CONF'] === undefined) {
    throw new Error('SoftHSM test directory missing: run through jest with the gateway project global setup');
  }
  return dir;
}

/** A fresh token with a unique label (test files of one run share the token directory). */
export function newTestToken(name: string): HsmToken {
  softHsmTestDir();
  const label = `${name}-${randomBytes(4).toString('hex')}`.slice(0, 32);
  ensureToken({ label, pin: TEST_PIN, soPin: TEST_SO_PIN });
  return HsmToken.open({ label, pin: TEST_PIN });
}
