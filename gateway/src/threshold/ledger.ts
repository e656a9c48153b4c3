import { THRESHOLD, type IdentityRef, type threshold } from '@keyledger/chaincode/protocol';
import { ContractClient, LedgerError, type LedgerAccess } from '../fabric';

/** The software-attestation statement format this gateway writes. */
export const SOFTWARE_ATTESTATION_FORMAT = 'keyledger-software-attestation/v1';

/** A module record as GetModule / ListModules return it, with its score at the time of the read. */
export type ModuleRecord = threshold.SecurityModule & {
  /** The TLS server certificate peers and orchestrators pin (registered by the module itself). */
  readonly tlsCertificatePem?: string;
  /** SHA-256 (hex) of that certificate's DER. */
  readonly tlsCertificateDigest?: string;
  readonly score: number;
};

export interface RegisterModuleInput {
  readonly moduleId: string;
  /** SPKI PEM of the module identity key (P-256). */
  readonly publicKeyPem: string;
  readonly shareIndex: number;
  /** Omitted when a module registers itself: the owner is then the caller. */
  readonly owner?: IdentityRef;
  readonly endpoint?: string;
  readonly tlsCertificatePem?: string;
}

export interface AttestationNonce {
  readonly moduleId: string;
  readonly nonce: string;
  readonly issuedAt: number;
}

/**
 * What a module signs (canonical JSON, see {@link SOFTWARE_ATTESTATION_FORMAT}). `firmwareDigest` is the field of
 * the first statement format and carries `codeDigest`. `quote` is the extension point for a TPM quote (not made
 * here: this is software attestation).
 */
export interface AttestationStatement {
  readonly nonce: string;
  readonly firmwareDigest: string;
  readonly issuedAt: number;
  readonly format: typeof SOFTWARE_ATTESTATION_FORMAT;
  readonly codeDigest: string;
  readonly configDigest: string;
  readonly tokenSerial: string;
  readonly tokenLabel: string;
  readonly quote?: string;
}

export interface AttestationInput {
  readonly moduleId: string;
  readonly statement: AttestationStatement;
  /** base64 of the module key's DER ECDSA P-256 SHA-256 signature over the statement's canonical JSON. */
  readonly signature: string;
}

export interface TamperInput {
  readonly moduleId: string;
  readonly evidenceDigest: string;
  readonly description: string;
}

export interface ModuleList {
  readonly minScore: number;
  readonly computedAt: number;
  readonly modules: ModuleRecord[];
}

export interface TrustScore {
  readonly moduleId: string;
  readonly status: threshold.ModuleStatus;
  readonly score: number;
  readonly attestation: number;
  readonly participation: number;
  readonly anomalyPenalty: number;
  readonly cheaterPenalty: number;
  readonly quarantined: boolean;
  readonly attestationAgeMs: number | null;
  readonly computedAt: number;
  readonly inputs: threshold.TrustCounters;
}

async function orUndefined<T>(read: Promise<T>): Promise<T | undefined> {
  try {
    return await read;
  } catch (error) {
    if (error instanceof LedgerError && error.kind === 'NOT_FOUND') {
      return undefined;
    }
    throw error;
  }
}

/** Typed calls of the TrustDomain contract (capability E), as whichever identity the access acts as. */
export class ThresholdLedger {
  readonly #contract: ContractClient<typeof THRESHOLD>;

  constructor(access: LedgerAccess) {
    this.#contract = new ContractClient(access, THRESHOLD);
  }

  registerModule(input: RegisterModuleInput): Promise<ModuleRecord> {
    return this.#contract.submit('RegisterModule', JSON.stringify(input));
  }

  getModule(moduleId: string): Promise<ModuleRecord | undefined> {
    return orUndefined(this.#contract.evaluate<ModuleRecord>('GetModule', moduleId));
  }

  listModules(minScore = 0): Promise<ModuleList> {
    return this.#contract.evaluate('ListModules', String(minScore));
  }

  trustScore(moduleId: string): Promise<TrustScore | undefined> {
    return orUndefined(this.#contract.evaluate<TrustScore>('GetTrustScore', moduleId));
  }

  issueAttestationNonce(moduleId: string): Promise<AttestationNonce> {
    return this.#contract.submit('IssueAttestationNonce', moduleId);
  }

  submitAttestation(input: AttestationInput): Promise<ModuleRecord> {
    return this.#contract.submit('SubmitAttestation', JSON.stringify(input));
  }

  reportTamper(input: TamperInput): Promise<ModuleRecord> {
    return this.#contract.submit('ReportTamper', JSON.stringify(input));
  }
}
