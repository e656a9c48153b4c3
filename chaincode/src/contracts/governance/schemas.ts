import { z } from 'zod';
import {
  fingerprintSchema,
  identityRefShape,
  idSchema,
  mspIdSchema,
  parseJsonArg,
  reasonSchema,
  validate,
} from '../../lib';
import { ROLES, type QuorumRule, type Role } from '../../protocol';
import { MAX_PUBLIC_KEY_LENGTH, publicKeyProblem } from './publicKey';
import { PROPOSAL_STATUSES, type GovernanceChange, type ProposalStatus } from '../../protocol/governance';

/** Largest explicit threshold accepted; far above any realistic validator set. */
export const MAX_THRESHOLD = 1000;

export const nameSchema = z
  .string()
  .regex(/^\P{Cc}{1,128}$/u, 'must be 1-128 characters without control characters');

export const publicKeySchema = z
  .string()
  .min(1)
  .max(MAX_PUBLIC_KEY_LENGTH)
  .superRefine((value, ctx) => {
    const problem = publicKeyProblem(value);
    if (problem !== undefined) {
      ctx.addIssue({ code: 'custom', message: problem });
    }
  });

const roleSchema = z.enum(ROLES);
const rolesSchema = z
  .array(roleSchema)
  .min(1, 'must name at least one role')
  .max(ROLES.length * 2);

export const quorumRuleSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('bft') }),
  z.strictObject({ kind: z.literal('threshold'), threshold: z.number().int().min(1).max(MAX_THRESHOLD) }),
]);

const bootstrapSchema = z.strictObject({
  admin: z.strictObject({ ...identityRefShape, name: nameSchema }).optional(),
  quorumRule: quorumRuleSchema.optional(),
});

const registerSchema = z.strictObject({
  ...identityRefShape,
  name: nameSchema,
  roles: rolesSchema,
  publicKey: publicKeySchema.optional(),
});

const updateSchema = z
  .strictObject({ ...identityRefShape, name: nameSchema.optional(), roles: rolesSchema.optional() })
  .refine((value) => value.name !== undefined || value.roles !== undefined, {
    message: 'give name and/or roles to change',
    path: ['roles'],
  });

const changeSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('addValidator'),
    member: z.strictObject({ ...identityRefShape, name: nameSchema, publicKey: publicKeySchema.optional() }),
  }),
  z.strictObject({ type: z.literal('removeValidator'), ...identityRefShape }),
  z.strictObject({ type: z.literal('setQuorumRule'), rule: quorumRuleSchema }),
]);

const proposeSchema = z.strictObject({ proposalId: idSchema, change: changeSchema, reason: reasonSchema });

export type BootstrapArgs = z.infer<typeof bootstrapSchema>;
export type RegisterArgs = z.infer<typeof registerSchema>;
export type UpdateArgs = z.infer<typeof updateSchema>;
export interface ProposeArgs {
  readonly proposalId: string;
  readonly change: GovernanceChange;
  readonly reason: string;
}

/** Bootstrap arguments; an empty string means `{}`. */
export function parseBootstrapArgs(raw: string): BootstrapArgs {
  return parseJsonArg(bootstrapSchema, raw.trim() === '' ? '{}' : raw, 'bootstrap arguments');
}

export function parseRegisterArgs(raw: string): RegisterArgs {
  return parseJsonArg(registerSchema, raw, 'member');
}

export function parseUpdateArgs(raw: string): UpdateArgs {
  return parseJsonArg(updateSchema, raw, 'member update');
}

export function parseQuorumRule(raw: string): QuorumRule {
  return parseJsonArg(quorumRuleSchema, raw, 'quorum rule');
}

export function parseProposeArgs(raw: string): ProposeArgs {
  return parseJsonArg(proposeSchema, raw, 'governance proposal');
}

export function parsePublicKey(raw: string): string {
  return validate(publicKeySchema, raw, 'publicKey');
}

export function parseMspId(raw: string): string {
  return validate(mspIdSchema, raw, 'mspId');
}

export function parseFingerprint(raw: string): string {
  return validate(fingerprintSchema, raw, 'fingerprint');
}

export function parseReason(raw: string): string {
  return validate(reasonSchema, raw, 'reason');
}

/** '' means every role. */
export function parseRoleFilter(raw: string): Role | undefined {
  return raw === '' ? undefined : validate(roleSchema, raw, 'role');
}

/** '' means every status. */
export function parseStatusFilter(raw: string): ProposalStatus | undefined {
  return raw === '' ? undefined : validate(z.enum(PROPOSAL_STATUSES), raw, 'status');
}
