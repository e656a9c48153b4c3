import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';

/**
 * Everything needed to reach one Fabric gateway peer as one identity. The same shape serves the devnet and a
 * real Fabric network: pointing KeyLedger at Fabric is a different file, never different code.
 */
export interface FabricConfig {
  /** host:port of a peer running the Gateway service. */
  readonly endpoint: string;
  /** PEM root of the peer's TLS chain; omit for a plaintext connection. */
  readonly tlsRootCertPath?: string;
  /** TLS server name to expect when the endpoint's host differs from the certificate's (e.g. peer0.org1.example.com). */
  readonly hostnameOverride?: string;
  readonly channel: string;
  readonly chaincode: string;
  readonly mspId: string;
  readonly certPath: string;
  /** PEM private key file. Absent when the key lives in an HSM token. */
  readonly keyPath?: string;
}

const identitySchema = z.object({ certPath: z.string().min(1), keyPath: z.string().min(1) });

/** The connection file the devnet writes on start and `network/test-network` writes for real Fabric. */
export const connectionFileSchema = z.object({
  channel: z.string().min(1),
  chaincode: z.string().min(1).default('keyledger'),
  endpoint: z.string().min(1),
  tlsCaCertPath: z.string().min(1).optional(),
  hostnameOverride: z.string().min(1).optional(),
  orgs: z
    .array(
      z.object({
        mspId: z.string().min(1),
        peerEndpoint: z.string().min(1).optional(),
        tlsCaCertPath: z.string().min(1).optional(),
        hostnameOverride: z.string().min(1).optional(),
        admin: identitySchema,
        user: identitySchema,
      }),
    )
    .min(1),
});

export type ConnectionFile = z.infer<typeof connectionFileSchema>;

/** A configuration the gateway cannot start with: a missing or invalid file, a key that is not there. */
export class ConfigError extends Error {
  constructor(options: Readonly<{ message: string; cause?: unknown }>) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = ConfigError.name;
  }
}

/** Reads and checks a JSON file; `what` names it in every error. */
export function readJsonFile<T extends z.ZodType>(path: string, schema: T, what: string): z.output<T> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError({
      message: `cannot read ${what} ${path}: ${(error as Error).message}`,
      cause: error,
    });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(file)'}: ${issue.message}`,
    );
    throw new ConfigError({ message: `${what} ${path} is invalid: ${issues.join('; ')}` });
  }
  return parsed.data;
}

/** Resolves paths in a file relative to the file's folder. */
function relativeTo(path: string): (p: string | undefined) => string | undefined {
  const base = dirname(path);
  return (p) => (p === undefined || isAbsolute(p) ? p : resolve(base, p));
}

export const fabricConfigSchema = z.strictObject({
  endpoint: z.string().min(1),
  tlsRootCertPath: z.string().min(1).optional(),
  hostnameOverride: z.string().min(1).optional(),
  channel: z.string().min(1),
  chaincode: z.string().min(1),
  mspId: z.string().min(1),
  certPath: z.string().min(1),
  keyPath: z.string().min(1).optional(),
});

/**
 * One identity's FabricConfig as a JSON file (what a separate process such as a key provider is started with);
 * relative paths are relative to the file.
 */
export function readFabricConfigFile(path: string): FabricConfig {
  const config = readJsonFile(path, fabricConfigSchema, 'identity file');
  const abs = relativeTo(path);
  return {
    ...config,
    tlsRootCertPath: abs(config.tlsRootCertPath),
    certPath: abs(config.certPath) ?? config.certPath,
    keyPath: abs(config.keyPath),
  };
}

export function readConnectionFile(path: string): ConnectionFile {
  const file = readJsonFile(path, connectionFileSchema, 'connection file');
  const abs = relativeTo(path);
  return {
    ...file,
    tlsCaCertPath: abs(file.tlsCaCertPath),
    orgs: file.orgs.map((org) => ({
      ...org,
      tlsCaCertPath: abs(org.tlsCaCertPath),
      admin: { certPath: abs(org.admin.certPath) ?? '', keyPath: abs(org.admin.keyPath) ?? '' },
      user: { certPath: abs(org.user.certPath) ?? '', keyPath: abs(org.user.keyPath) ?? '' },
    })),
  };
}

export interface IdentityChoice {
  readonly mspId: string;
  readonly role: 'admin' | 'user';
}

/** A FabricConfig for one org's admin or user from a connection file. */
export function configFromConnectionFile(file: ConnectionFile, choice: IdentityChoice): FabricConfig {
  const org = file.orgs.find((candidate) => candidate.mspId === choice.mspId);
  if (!org) {
    throw new ConfigError({
      message: `connection file has no organisation ${choice.mspId} (has ${file.orgs.map((o) => o.mspId).join(', ')})`,
    });
  }
  const identity = org[choice.role];
  return {
    endpoint: org.peerEndpoint ?? file.endpoint,
    tlsRootCertPath: org.tlsCaCertPath ?? file.tlsCaCertPath,
    hostnameOverride: org.hostnameOverride ?? file.hostnameOverride,
    channel: file.channel,
    chaincode: file.chaincode,
    mspId: org.mspId,
    certPath: identity.certPath,
    keyPath: identity.keyPath,
  };
}
