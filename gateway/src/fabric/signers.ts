import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { signers, type Signer } from '@hyperledger/fabric-gateway';
import { ConfigError, type FabricConfig } from './config';

/** A signer for the PEM private key file of a configuration (identities whose key is not in an HSM). */
export function pemSigner(config: Pick<FabricConfig, 'mspId' | 'keyPath'>): Signer {
  if (!config.keyPath) {
    throw new ConfigError({
      message: `no private key configured for ${config.mspId}; give keyPath or an HSM signer`,
    });
  }
  let pem: Buffer;
  try {
    pem = readFileSync(config.keyPath);
  } catch (error) {
    throw new ConfigError({ message: `cannot read the private key file ${config.keyPath}`, cause: error });
  }
  try {
    return signers.newPrivateKeySigner(createPrivateKey(pem));
  } finally {
    pem.fill(0);
  }
}
