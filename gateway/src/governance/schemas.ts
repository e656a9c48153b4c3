import { z } from 'zod';
import { fingerprint, named } from '../http/schemas';

export const whoAmISchema = named(
  z.looseObject({
    name: z.string(),
    mspId: z.string(),
    fingerprint,
    authenticatedBy: z.enum(['bearer', 'mtls']),
    roles: z.array(z.string()).describe('roles the ledger grants this identity'),
    member: z.looseObject({}).nullable().describe('the governance registration, if any'),
    validatorAgent: z
      .string()
      .nullable()
      .optional()
      .describe("this gateway's validator agent acting as the caller"),
    frontendNode: z
      .string()
      .nullable()
      .optional()
      .describe("this gateway's front-end node acting as the caller"),
  }),
  'WhoAmI',
);
