export { governanceApi } from './api';
export { GovernanceLedger, type MemberRef, type MemberRegistration } from './ledger';
export { ensureBootstrapped, ensureMembers, ensureValidators, type MemberSpec } from './setup';
