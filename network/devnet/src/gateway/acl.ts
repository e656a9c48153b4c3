import type { Identity } from '../msp/types';

/**
 * The channel's default ACLs as configtxgen's sample profiles define them: Writers = an application org's
 * admin or client (propose, broadcast), Readers = its admin, peer or client (commit status, events, blocks).
 * The orderer organisation is on the channel but neither writes nor reads application data.
 */
export interface ChannelAcl {
  isWriter(identity: Identity): boolean;
  isReader(identity: Identity): boolean;
}

export function channelAcl(applicationMspIds: readonly string[]): ChannelAcl {
  const orgs = new Set(applicationMspIds);
  return {
    isWriter: (identity) =>
      orgs.has(identity.mspId) && (identity.role === 'client' || identity.role === 'admin'),
    isReader: (identity) =>
      orgs.has(identity.mspId) &&
      (identity.role === 'client' || identity.role === 'admin' || identity.role === 'peer'),
  };
}

/** Allows everyone the MSP accepts (for tests of the other checks). */
export const OPEN_ACL: ChannelAcl = { isWriter: () => true, isReader: () => true };
