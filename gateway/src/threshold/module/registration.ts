import type { ModuleRecord, ThresholdLedger } from '../ledger';

export interface ModuleRegistrationSpec {
  readonly moduleId: string;
  readonly publicKeyPem: string;
  readonly shareIndex: number;
  readonly endpoint: string;
  readonly tlsCertificatePem: string;
}

/**
 * Registers the module as itself (owner = the caller, role module), or refreshes its endpoint and TLS certificate.
 * RegisterModule is idempotent for the same key and index; it is skipped when the record already says the same.
 */
export async function ensureModuleRegistered(
  ledger: ThresholdLedger,
  spec: ModuleRegistrationSpec,
): Promise<{ outcome: 'registered' | 'updated' | 'unchanged'; module: ModuleRecord }> {
  const current = await ledger.getModule(spec.moduleId);
  if (
    current &&
    current.endpoint === spec.endpoint &&
    current.shareIndex === spec.shareIndex &&
    current.publicKeyPem.trim() === spec.publicKeyPem.trim() &&
    current.tlsCertificatePem?.trim() === spec.tlsCertificatePem.trim()
  ) {
    return { outcome: 'unchanged', module: current };
  }
  const module = await ledger.registerModule(spec);
  return { outcome: current ? 'updated' : 'registered', module };
}
