import { z } from 'zod';
import { base64, decodedBase64Length, epochMs, named, nonNegativeInt, positiveInt } from '../http/schemas';
import { idSchema, pointHex } from './protocol/wire';
import { MISBEHAVIOURS } from './module/context';

/** REST shapes of threshold key custody. Inputs strict, outputs loose (the ledger may add fields). */

/** A message to sign is at most this many bytes (decoded), as the modules' protocol takes it. */
export const MAX_SIGN_MESSAGE_BYTES = 64 * 1024;
/** A JWS payload is at most this many bytes of JSON. */
export const MAX_JWS_PAYLOAD_BYTES = 8 * 1024;
/** An escrowed secret is 1 to this many bytes (what the escrow math seals). */
export const MAX_ESCROW_SECRET_BYTES = 4096;
export const MAX_ESCROW_CONTEXT = 256;
export const MAX_TRUST = 1000;
/** Share indices are one byte: at most 255 modules hold shares of a key. */
export const MAX_SHARES = 255;

const thresholdId = (what: string): z.ZodString => idSchema.describe(what);

// ---------------------------------------------------------------- inputs

export const keyParams = z.strictObject({ keyId: thresholdId('the threshold key id') });
export const moduleParams = z.strictObject({ moduleId: thresholdId('the security module id') });
export const sessionParams = z.strictObject({ sessionId: thresholdId('the ledger session id') });

const trustLevel = z.number().int().min(0).max(MAX_TRUST);

export const modulesQuery = z.strictObject({
  minScore: z
    .string()
    .regex(/^\d{1,4}$/, 'must be a decimal integer 0-1000')
    .transform(Number)
    .pipe(trustLevel)
    .optional()
    .describe('only modules with at least this trust score (0-1000; default 0, every module)'),
});

export const policyBody = named(
  z
    .strictObject({
      t: z.number().int().min(2).max(MAX_SHARES).describe('signatures need t modules: 2 ≤ t ≤ n'),
      n: z.number().int().min(2).max(MAX_SHARES).describe('modules holding shares (at most 255)'),
      minTrust: trustLevel.describe('modules below this trust score (0-1000) are never drawn'),
      attestationMaxAgeSeconds: z
        .number()
        .int()
        .min(60)
        .max(7 * 86_400)
        .optional()
        .describe('draw only modules attested at most this long ago (60 s to 7 days)'),
    })
    .superRefine((policy, ctx) => {
      if (policy.t > policy.n) {
        ctx.addIssue({
          code: 'custom',
          path: ['t'],
          message: `must not exceed n (${policy.n}): t of n modules must answer`,
        });
      }
    }),
  'ThresholdPolicyRequest',
);

export const keygenBody = named(
  z
    .strictObject({
      keyId: thresholdId('the new key’s id (its policy must be set first)'),
      mode: z
        .enum(['dkg', 'dealer'])
        .optional()
        .describe('dkg (default): no process ever holds the key; dealer: one module deals the shares'),
      modules: z
        .array(idSchema)
        .min(2)
        .max(MAX_SHARES)
        .optional()
        .describe('the modules to hold shares (default the n most trusted active ones)'),
      dealer: idSchema.optional().describe('the dealer module (dealer mode; default the most trusted)'),
    })
    .superRefine((body, ctx) => {
      if (body.dealer !== undefined && body.mode !== 'dealer') {
        ctx.addIssue({ code: 'custom', path: ['dealer'], message: 'is only for mode "dealer"' });
      }
      const seen = new Set<string>();
      body.modules?.forEach((moduleId, index) => {
        if (seen.has(moduleId)) {
          ctx.addIssue({ code: 'custom', path: ['modules', index], message: `repeats ${moduleId}` });
        }
        seen.add(moduleId);
      });
      if (body.dealer !== undefined && body.modules !== undefined && !seen.has(body.dealer)) {
        ctx.addIssue({ code: 'custom', path: ['dealer'], message: 'must be one of modules' });
      }
    }),
  'ThresholdKeygenRequest',
);

/** A JSON value's UTF-8 size as it is signed. */
function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

const jwsRequestSchema = z
  .strictObject({
    payload: z
      .record(z.string(), z.unknown(), { error: 'must be a JSON object' })
      .describe(`the JWS payload: a JSON object of at most ${MAX_JWS_PAYLOAD_BYTES} bytes`),
    header: z
      .strictObject({
        typ: z.string().min(1).max(64).optional().describe('the protected header’s typ (e.g. JWT)'),
      })
      .optional()
      .describe('what the protected header carries besides alg EdDSA and kid (the key id)'),
  })
  .superRefine((jws, ctx) => {
    if (jsonBytes(jws.payload) > MAX_JWS_PAYLOAD_BYTES) {
      ctx.addIssue({
        code: 'custom',
        path: ['payload'],
        message: `must be at most ${MAX_JWS_PAYLOAD_BYTES} bytes of JSON`,
      });
    }
  });

export const signBody = named(
  z
    .strictObject({
      message: base64
        .optional()
        .describe(`the message bytes, base64 (at most ${MAX_SIGN_MESSAGE_BYTES} bytes decoded)`),
      jws: jwsRequestSchema.optional(),
    })
    .superRefine((body, ctx) => {
      if ((body.message === undefined) === (body.jws === undefined)) {
        ctx.addIssue(
          body.message === undefined
            ? { code: 'custom', message: 'must have message (base64) or jws' }
            : { code: 'custom', path: ['jws'], message: 'must not be given with message: give one of them' },
        );
        return;
      }
      if (body.message !== undefined && decodedBase64Length(body.message) > MAX_SIGN_MESSAGE_BYTES) {
        ctx.addIssue({
          code: 'custom',
          path: ['message'],
          message: `must be at most ${MAX_SIGN_MESSAGE_BYTES} bytes`,
        });
      }
    }),
  'ThresholdSignRequest',
  'Exactly one of `message` (raw bytes, base64) or `jws` (a JSON payload signed as a compact JWS).',
);

export const escrowBody = named(
  z.strictObject({
    secret: base64
      .superRefine((value, ctx) => {
        const bytes = decodedBase64Length(value);
        if (bytes < 1 || bytes > MAX_ESCROW_SECRET_BYTES) {
          ctx.addIssue({
            code: 'custom',
            message: `must be 1 to ${MAX_ESCROW_SECRET_BYTES} bytes (got ${bytes})`,
          });
        }
      })
      .describe(`the secret to seal to the key, base64 (1-${MAX_ESCROW_SECRET_BYTES} bytes)`),
    context: z
      .string()
      .min(1, 'must not be empty')
      .max(MAX_ESCROW_CONTEXT)
      .describe('what the secret is for: bound to the escrow, needed again to open it'),
  }),
  'ThresholdEscrowRequest',
);

const escrowBlobFields = {
  ephemeral: pointHex.describe('R = r·G, lowercase hex'),
  iv: base64.describe('AES-256-GCM nonce, base64'),
  tag: base64.describe('AES-256-GCM tag, base64'),
  ciphertext: base64.describe('the sealed secret, base64'),
};

export const escrowBlobSchema = named(
  z.strictObject(escrowBlobFields),
  'ThresholdEscrow',
  'A secret sealed to a threshold key’s group public key (ECIES over edwards25519, AES-256-GCM).',
);

export const unwrapBody = named(
  z.strictObject({
    escrow: escrowBlobSchema,
    context: escrowBody.shape.context,
  }),
  'ThresholdUnwrapRequest',
);

export const deriveBody = named(
  z.strictObject({
    purpose: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'must be 1-64 characters [a-z0-9._-], starting alphanumeric')
      .describe('what the key is for: part of the HKDF info'),
    epoch: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32)
      .describe('the key epoch (0 to 2^32)'),
  }),
  'ThresholdDeriveRequest',
);

// ---------------------------------------------------------------- outputs

const idList = z.array(z.string());

export const policySchema = named(
  z.looseObject({
    keyId: z.string(),
    t: positiveInt,
    n: positiveInt,
    minTrust: nonNegativeInt,
    attestationMaxAgeSeconds: positiveInt.optional(),
    version: positiveInt,
    createdAt: epochMs,
    updatedAt: epochMs,
    updatedBy: z.string(),
  }),
  'ThresholdPolicy',
);

export const moduleSchema = named(
  z.looseObject({
    moduleId: z.string(),
    shareIndex: positiveInt,
    status: z.string().describe('active or quarantined'),
    score: nonNegativeInt.describe('trust score 0-1000, as the ledger computes it now'),
    endpoint: z.string().optional(),
    lastAttestedAt: epochMs.optional(),
    tlsCertificateDigest: z.string().optional().describe('SHA-256 of the TLS certificate DER, hex'),
    keyType: z.string().optional(),
    publicKeyDigest: z.string().optional(),
    counters: z.looseObject({
      attestations: nonNegativeInt,
      participationOk: nonNegativeInt,
      participationFailed: nonNegativeInt,
      anomalies: nonNegativeInt,
      cheaterReports: nonNegativeInt,
      tamperReports: nonNegativeInt,
    }),
  }),
  'ThresholdModule',
  'A security module as the ledger has it, without its certificates.',
);

export const moduleListSchema = named(z.looseObject({ modules: z.array(moduleSchema) }), 'ThresholdModules');

export const moduleDetailSchema = named(
  z.looseObject({
    module: moduleSchema,
    events: z.array(z.looseObject({ kind: z.string(), at: epochMs })).describe('the newest trust events'),
  }),
  'ThresholdModuleDetail',
);

const memberSchema = z.looseObject({ moduleId: z.string(), shareIndex: positiveInt });

export const ceremonySchema = named(
  z.looseObject({
    keyId: z.string(),
    epoch: positiveInt,
    mode: z.string().describe('dkg, dealer or refresh'),
    groupPublicKey: z.string().describe('the Ed25519 group public key, hex'),
    t: positiveInt,
    n: positiveInt,
    participants: z.array(memberSchema),
    ceremonyId: z.string(),
    durationMs: nonNegativeInt,
    forgotten: z.record(z.string(), z.array(positiveInt)).optional(),
  }),
  'ThresholdCeremony',
);

export const keyViewSchema = named(
  z.looseObject({
    keyId: z.string(),
    policy: policySchema.nullable(),
    epoch: positiveInt.nullable().describe('the latest epoch; null before keygen'),
    groupPublicKey: z.string().nullable(),
    jwk: z
      .looseObject({
        kty: z.literal('OKP'),
        crv: z.literal('Ed25519'),
        x: z.string(),
        kid: z.string(),
        alg: z.literal('EdDSA'),
      })
      .nullable(),
    t: positiveInt.nullable(),
    n: positiveInt.nullable(),
    shareIndices: z.array(positiveInt),
    acknowledgements: z
      .looseObject({ expected: idList, acknowledged: idList, complete: z.boolean() })
      .nullable(),
  }),
  'ThresholdKey',
  'The key’s policy and latest epoch: group public key (hex and JWK), threshold and acknowledgements.',
);

export const signResultSchema = named(
  z.looseObject({
    signature: z.string().describe('the 64-byte Ed25519 signature, base64url'),
    jws: z.string().optional().describe('the compact JWS, when jws was asked for'),
    groupPublicKey: z.string(),
    sessionId: z.string(),
    coordinator: z.string(),
    epoch: positiveInt,
    signers: idList,
    cheaters: idList,
    late: idList,
    expiredSessions: idList
      .optional()
      .describe('sessions that ran out on the ledger before this one (their coordinators did not answer)'),
  }),
  'ThresholdSignature',
);

export const escrowResultSchema = escrowBlobSchema;

const breakGlassFields = {
  sessionId: z.string(),
  coordinator: z.string(),
  used: idList.describe('the modules whose shares rebuilt the secret'),
  cheaters: idList,
};

export const unwrapResultSchema = named(
  z.looseObject({ secret: z.string().describe('the secret, base64'), ...breakGlassFields }),
  'ThresholdUnwrap',
);

export const deriveResultSchema = named(
  z.looseObject({ key: z.string().describe('the derived key, base64'), ...breakGlassFields }),
  'ThresholdDerivedKey',
);

export const sessionSchema = named(
  z.looseObject({
    sessionId: z.string(),
    keyId: z.string(),
    kind: z.string().describe('sign or reconstruct'),
    purpose: z.string(),
    status: z.string().describe('open or closed'),
    eligible: z.array(
      z.looseObject({ moduleId: z.string(), shareIndex: positiveInt, score: nonNegativeInt }),
    ),
    coordinator: z.string(),
    outcome: z.string().optional().describe('success, failure or expired'),
    cheaters: idList.optional(),
    late: idList.optional(),
    responders: idList.optional(),
    expiresAt: epochMs,
    expired: z.boolean(),
  }),
  'ThresholdSession',
);

export const moduleFaultsBody = named(
  z.strictObject({
    misbehave: z
      .array(z.enum(MISBEHAVIOURS))
      .max(MISBEHAVIOURS.length)
      .describe('what the module does wrong from now on; [] makes it honest again'),
  }),
  'ThresholdModuleFaultsRequest',
);

export const moduleFaultsSchema = named(
  z.object({ moduleId: z.string(), misbehave: z.array(z.string()) }),
  'ThresholdModuleFaults',
);
