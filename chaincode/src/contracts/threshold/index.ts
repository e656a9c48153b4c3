export { TrustDomainContract, ATTESTATION_SKEW_MS, SESSION_TTL_MS } from './trust-domain-contract';
export * from './score';
export * from './coordinator';
export * from './types';
