import { z } from 'zod';
import '../../http/messages';
import { KID_PATTERN } from './caNames';
import { REVOCATION_REASON_NAMES } from './revocationReason';

const kid = z
  .string()
  .regex(KID_PATTERN, 'must be 1-128 characters of A-Z a-z 0-9 . _ : @ / - (as the ledger has kids)');

/** POST /v1/certificates: the key to certify, as a public JWK or an SPKI PEM (exactly one). */
export const issueRequestSchema = z.union([
  z.strictObject({ kid, publicJwk: z.looseObject({ kty: z.string() }) }),
  z.strictObject({ kid, spkiPem: z.string().min(1).max(4096) }),
]);

/** POST /v1/certificates/{serial}/revoke. */
export const revokeRequestSchema = z.strictObject({
  reason: z.enum(REVOCATION_REASON_NAMES).optional(),
  revokedAt: z.iso.datetime({ offset: true }).optional(),
  invalidityDate: z.iso.datetime({ offset: true }).optional(),
});

export const serialSchema = z
  .string()
  .regex(/^[0-9A-Fa-f]{1,40}$/, 'must be the certificate serial in hex (at most 20 octets)');
