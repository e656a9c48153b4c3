import { QUEUE_ID_PATTERN, QUEUE_ID_RULE } from '@keyledger/chaincode/protocol';
import { z } from 'zod';
import { contextProblems, type EncryptionContext } from './encryptionContext';

/**
 * The provider server's HTTP API (HTTPS with mutual TLS: only registered orchestrators call it), as zod schemas the
 * server validates with and the orchestrator's client types its calls with. Binary values are standard base64.
 * Errors are problem+json (`urn:keyledger:problem:<type>`): `not-found` when the provider does not hold the key
 * (it never guesses), `invalid-ciphertext` when a blob does not decrypt under its key and context, `forbidden` for
 * a client certificate that is not a registered orchestrator's, `invalid-request` for malformed input.
 */

/** Largest plaintext of Encrypt (as KMS: 4 KiB). */
export const MAX_ENCRYPT_PLAINTEXT_BYTES = 4096;
/** Largest ciphertext blob accepted (a 4 KiB plaintext plus header, IV and tag, with room). */
export const MAX_BLOB_BYTES = 4096 + 256;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Standard base64 that decodes to at most `maxBytes` bytes. */
export function base64Of(maxBytes: number, minBytes = 0): z.ZodString {
  return z
    .string()
    .regex(BASE64, 'must be standard base64 (RFC 4648 §4) with padding')
    .refine(
      (value) => {
        const bytes = Buffer.byteLength(value, 'base64');
        return bytes >= minBytes && bytes <= maxBytes;
      },
      minBytes > 0
        ? `must decode to ${minBytes} to ${maxBytes} bytes`
        : `must decode to at most ${maxBytes} bytes`,
    );
}

/**
 * A CMK id: it becomes a token label (`cmk/<keyId>/v<n>`), a URL path segment and a file name, so only characters
 * that mean nothing in those (the queue-id rule of the rotation capability).
 */
export const keyIdSchema = z.string().regex(QUEUE_ID_PATTERN, QUEUE_ID_RULE);

export const encryptionContextSchema: z.ZodType<EncryptionContext> = z
  .record(z.string(), z.string())
  .superRefine((value, ctx) => {
    for (const problem of contextProblems(value)) {
      ctx.addIssue({
        code: 'custom',
        message: problem.message,
        path: problem.key === undefined ? [] : [problem.key],
      });
    }
  })
  .default({});

export const KEY_SPECS = ['AES_256', 'AES_128'] as const;
export type KeySpec = (typeof KEY_SPECS)[number];

export const generateDataKeyRequest = z.strictObject({
  keyId: keyIdSchema,
  encryptionContext: encryptionContextSchema,
  keySpec: z.enum(KEY_SPECS).default('AES_256'),
});
export type GenerateDataKeyRequest = z.input<typeof generateDataKeyRequest>;

export const encryptRequest = z.strictObject({
  keyId: keyIdSchema,
  // 1..4096 bytes, as KMS Encrypt: an empty message is the caller's error (the HSM refuses it), not the provider's.
  plaintext: base64Of(MAX_ENCRYPT_PLAINTEXT_BYTES, 1),
  encryptionContext: encryptionContextSchema,
});
export type EncryptRequest = z.input<typeof encryptRequest>;

export const decryptRequest = z.strictObject({
  ciphertextBlob: base64Of(MAX_BLOB_BYTES),
  encryptionContext: encryptionContextSchema,
});
export type DecryptRequest = z.input<typeof decryptRequest>;

export const reEncryptRequest = z.strictObject({
  ciphertextBlob: base64Of(MAX_BLOB_BYTES),
  sourceEncryptionContext: encryptionContextSchema,
  destinationKeyId: keyIdSchema,
  destinationEncryptionContext: encryptionContextSchema,
});
export type ReEncryptRequest = z.input<typeof reEncryptRequest>;

/** Answers carry the provider that served them, so an orchestrator can check it reached the one it chose. */
export interface ProviderAnswer {
  readonly providerId: string;
  readonly keyId: string;
  readonly keyVersion: number;
}

export interface GenerateDataKeyResponse extends ProviderAnswer {
  /** The data key, base64: the caller's to use and wipe; never logged. */
  readonly plaintext: string;
  readonly ciphertextBlob: string;
}

export interface EncryptResponse extends ProviderAnswer {
  readonly ciphertextBlob: string;
}

export interface DecryptResponse extends ProviderAnswer {
  readonly plaintext: string;
}

export type ReEncryptResponse = EncryptResponse;

// ---- key management: create a CMK on its origin, replicate it wrapped to other providers

export const createKeyRequest = z.strictObject({ keyId: keyIdSchema });

export interface HeldKey {
  readonly keyId: string;
  readonly keyVersion: number;
  /** 3-byte key check value (hex), to compare replicas without revealing the key. */
  readonly keyCheckValue: string;
  /** Made here (may be exported to other providers) or imported (a replica). */
  readonly origin: 'created' | 'imported';
}

export const exportKeyRequest = z.strictObject({
  recipients: z
    .array(
      z.strictObject({
        providerId: z.string().min(1).max(128),
        /** The recipient's P-256 key-wrapping public key (SPKI PEM), as published on the ledger. */
        publicKeyPem: z.string().min(1).max(16_384),
      }),
    )
    .min(1)
    .max(32),
});
export type ExportKeyRequest = z.input<typeof exportKeyRequest>;

export interface WrappedCopy {
  readonly providerId: string;
  /** The CMK wrapped to the recipient (ECDH P-256 + AES key wrap, in the token): never the key itself. */
  readonly wrappedKey: string;
  readonly ephemeralPublicKey: string;
}

export interface ExportKeyResponse extends Omit<HeldKey, 'origin'> {
  readonly copies: readonly WrappedCopy[];
}

export const importKeyRequest = z.strictObject({
  keyVersion: z.number().int().positive().max(0xffff_ffff),
  keyCheckValue: z.string().regex(/^[0-9a-f]{6}$/, 'must be 6 lower-case hex digits'),
  wrappedKey: base64Of(4096),
  ephemeralPublicKey: base64Of(1024),
  fromProviderId: z.string().min(1).max(128),
});
export type ImportKeyRequest = z.input<typeof importKeyRequest>;

export interface ProviderHealth {
  readonly status: 'ok' | 'fail';
  readonly providerId: string;
  readonly region: string;
  readonly keys: number;
}

/** The paths, so server and client never disagree on one. */
export const PROVIDER_PATHS = {
  health: '/health',
  metrics: '/metrics',
  generateDataKey: '/v1/generate-data-key',
  encrypt: '/v1/encrypt',
  decrypt: '/v1/decrypt',
  reEncrypt: '/v1/re-encrypt',
  keys: '/v1/keys',
  exportKey: (keyId: string): string => `/v1/keys/${encodeURIComponent(keyId)}/export`,
  importKey: (keyId: string): string => `/v1/keys/${encodeURIComponent(keyId)}/import`,
} as const;
