import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureToken } from './softhsm';
import { HsmError } from './errors';

/** How one node reaches its token. */
export interface TokenCredentials {
  readonly label: string;
  readonly pin: string;
  readonly soPin: string;
}

const PIN_FILE = 'pins.json';

/**
 * The tokens of a local (SoftHSM) deployment: one token per node, created on first use, with random PINs kept
 * in `<dir>/pins.json` (mode 0600) next to the token files they protect. A production deployment keeps PINs in
 * its secret store and points at a real HSM's PKCS#11 library instead; nothing else changes.
 */
export class LocalTokenStore {
  readonly dir: string;
  readonly #pins: Record<string, TokenCredentials>;

  constructor(dir: string) {
    this.dir = dir;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = join(dir, PIN_FILE);
    this.#pins = existsSync(file)
      ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, TokenCredentials>)
      : {};
  }

  /** Creates the token if needed and returns its credentials. SOFTHSM2_CONF must already point into `dir`. */
  ensure(label: string): { credentials: TokenCredentials; created: boolean } {
    if (!/^[A-Za-z0-9._-]{1,32}$/.test(label)) {
      throw new HsmError({ message: 'token label must be 1-32 characters of A-Z a-z 0-9 . _ -' });
    }
    const credentials = this.#pins[label] ?? {
      label,
      pin: randomBytes(12).toString('base64url'),
      soPin: randomBytes(12).toString('base64url'),
    };
    const outcome = ensureToken(credentials);
    if (!this.#pins[label]) {
      if (outcome === 'existing') {
        throw new HsmError({
          message: `token ${label} exists but its PIN is not in ${join(this.dir, PIN_FILE)}`,
        });
      }
      this.#pins[label] = credentials;
      writeFileSync(join(this.dir, PIN_FILE), `${JSON.stringify(this.#pins, null, 2)}\n`, { mode: 0o600 });
    }
    return { credentials, created: outcome === 'created' };
  }

  labels(): string[] {
    return Object.keys(this.#pins);
  }
}
