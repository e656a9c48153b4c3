import type { Logger } from 'pino';
import {
  ecPublicPoint,
  findKey,
  generateEcKeyPair,
  p256PublicKeyFromPoint,
  signMessage,
  type HsmToken,
} from '../../hsm';
import type { ModuleIdentity } from './context';

/** The label of a module's identity key pair in its token. */
export const MODULE_IDENTITY_LABEL = 'keyledger-module-identity';

/**
 * Finds the module identity key pair in the token, or makes a persistent one on first start (P-256, private half
 * sensitive and never extractable). The same key across restarts is what keeps the registration on the ledger.
 */
export function loadModuleIdentity(token: HsmToken, logger: Logger): ModuleIdentity {
  let privateKey = findKey(token, { keyClass: 'private', label: MODULE_IDENTITY_LABEL });
  const publicKey = findKey(token, { keyClass: 'public', label: MODULE_IDENTITY_LABEL });
  let point: Buffer;
  if (privateKey && publicKey) {
    point = ecPublicPoint(token, publicKey);
  } else {
    const pair = generateEcKeyPair(token, { label: MODULE_IDENTITY_LABEL, persistent: true, sign: true });
    logger.info({ label: MODULE_IDENTITY_LABEL }, 'created the module identity key pair in the token');
    privateKey = pair.privateKey;
    point = pair.publicPoint;
  }
  const key = privateKey;
  const publicKeyPem = p256PublicKeyFromPoint(point).export({ type: 'spki', format: 'pem' }).toString();
  return {
    publicKeyPem,
    sign: (data) => Buffer.from(signMessage(token, key, data)),
  };
}
