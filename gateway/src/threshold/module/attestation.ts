/**
 * SOFTWARE attestation of a module server. There is no TPM here: the statement says what code and configuration
 * the process runs and which token it holds, signed by the module identity key in that token. It proves that the
 * holder of the registered key asserted these digests for a fresh ledger-issued nonce — not that a platform
 * measured them. The statement format is ready to carry a TPM quote: `quote` (base64 of a TPM2_Quote over a PCR
 * selection whose nonce is the ledger's) is the extension point a measured-boot deployment fills in.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { canonicalBytes, canonicalJson, sha256Hex } from '@keyledger/chaincode/protocol';
import {
  SOFTWARE_ATTESTATION_FORMAT,
  type AttestationInput,
  type AttestationNonce,
  type AttestationStatement,
} from '../ledger';
import type { ModuleIdentity } from './context';

/** The non-secret configuration a module attests (its digest is `configDigest`). */
export interface AttestedConfig {
  readonly moduleId: string;
  readonly shareIndex: number;
  readonly host: string;
  /** The configured port (0: any), not the one the system picked. */
  readonly port: number;
  readonly mspId: string;
  readonly peerEndpoint: string;
  readonly tokenLabel: string;
}

/** What the module measures of itself once at start. */
export interface SoftwareMeasurement {
  readonly codeDigest: string;
  readonly configDigest: string;
  readonly tokenSerial: string;
  readonly tokenLabel: string;
}

const CODE_FILE = /\.(?:js|cjs|mjs|ts)$/;

function codeFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules') {
        walk(path);
      } else if (entry.isFile() && CODE_FILE.test(entry.name) && !entry.name.endsWith('.d.ts')) {
        files.push(path);
      }
    }
  };
  walk(root);
  return files;
}

/**
 * SHA-256 over the compiled code the module runs: every code file under the gateway's build directory and the
 * chaincode's protocol build (the only chaincode code the gateway loads), as sorted `root/relative-path NUL
 * sha256(content) LF` lines. Any changed, added or removed file changes it.
 */
export function codeDigest(
  roots: readonly string[] = [
    join(__dirname, '..', '..'),
    dirname(require.resolve('@keyledger/chaincode/protocol')),
  ],
): string {
  const hash = createHash('sha256');
  roots.forEach((root, index) => {
    const lines = codeFiles(root)
      .map((path) => relative(root, path).split(sep).join('/'))
      .sort();
    for (const path of lines) {
      const content = createHash('sha256')
        .update(readFileSync(join(root, path)))
        .digest('hex');
      hash.update(`${index}/${path}\u0000${content}\n`);
    }
  });
  return hash.digest('hex');
}

export function configDigest(config: AttestedConfig): string {
  return sha256Hex(canonicalJson(config));
}

/** The statement for a ledger-issued nonce. `issuedAt` is this process's clock (the ledger checks the skew). */
export function attestationStatement(
  nonce: AttestationNonce,
  measurement: SoftwareMeasurement,
  now: number = Date.now(),
): AttestationStatement {
  return {
    nonce: nonce.nonce,
    firmwareDigest: measurement.codeDigest,
    issuedAt: now,
    format: SOFTWARE_ATTESTATION_FORMAT,
    codeDigest: measurement.codeDigest,
    configDigest: measurement.configDigest,
    tokenSerial: measurement.tokenSerial,
    tokenLabel: measurement.tokenLabel,
  };
}

/** Signs the statement's canonical JSON (the bytes SubmitAttestation verifies) with the module identity key. */
export function signAttestation(
  moduleId: string,
  statement: AttestationStatement,
  identity: ModuleIdentity,
): AttestationInput {
  return {
    moduleId,
    statement,
    signature: identity.sign(canonicalBytes(statement)).toString('base64'),
  };
}
