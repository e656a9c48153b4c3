import { readFileSync } from 'node:fs';
import type { Signer } from '@hyperledger/fabric-gateway';
import {
  certificateFingerprint,
  FabricConnection,
  pemSigner,
  type ConnectOptions,
  type FabricConfig,
} from '../fabric';
import type { ApiCaller } from '../http';
import { staticIdentityResolver, type IdentityResolver } from './auth';

export interface FabricCaller {
  readonly caller: ApiCaller;
  close(): void;
}

/**
 * A caller backed by its own Fabric identity: one gateway session (over the shared channel to its peer), and the
 * identity's signer (PEM key file, or `signer` for a key kept in an HSM) for signing rotation approvals.
 */
export function openFabricCaller(
  name: string,
  config: FabricConfig,
  options: { readonly signer?: Signer; readonly connect?: Omit<ConnectOptions, 'signer'> } = {},
): FabricCaller {
  const signer = options.signer ?? pemSigner(config);
  const fingerprint = certificateFingerprint(readFileSync(config.certPath));
  const connection = FabricConnection.open(config, { ...options.connect, signer });
  return {
    caller: {
      name,
      mspId: config.mspId,
      fingerprint,
      ledger: connection,
      signer,
    },
    close: () => connection.close(),
  };
}

export interface FabricIdentityEntry {
  readonly name: string;
  readonly fabric: FabricConfig;
  /** Bearer tokens of this caller (only digests are kept). */
  readonly tokens?: readonly string[];
  /** TLS client certificates (PEM or hex SHA-256 fingerprints) that authenticate as this caller. */
  readonly certificates?: readonly string[];
  readonly signer?: Signer;
}

/** An identity resolver over Fabric identities, with one connection each; `close()` ends them all. */
export function fabricIdentityResolver(entries: readonly FabricIdentityEntry[]): {
  readonly resolver: IdentityResolver;
  readonly callers: ReadonlyMap<string, ApiCaller>;
  close(): void;
} {
  const opened: FabricCaller[] = [];
  try {
    for (const entry of entries) {
      opened.push(openFabricCaller(entry.name, entry.fabric, entry.signer ? { signer: entry.signer } : {}));
    }
  } catch (error) {
    opened.forEach((caller) => caller.close());
    throw error;
  }
  const resolver = staticIdentityResolver(
    entries.map((entry, index) => ({
      caller: (opened[index] as FabricCaller).caller,
      ...(entry.tokens ? { tokens: entry.tokens } : {}),
      ...(entry.certificates ? { certificates: entry.certificates } : {}),
    })),
  );
  return {
    resolver,
    callers: new Map(opened.map((entry) => [entry.caller.name, entry.caller])),
    close: () => opened.forEach((caller) => caller.close()),
  };
}
