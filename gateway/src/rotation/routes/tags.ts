export const TAG_QUEUES = 'Queues and key policies';
export const TAG_PROPOSALS = 'Rotation proposals';
export const TAG_CRYPTO = 'Encryption';

/** Error statuses of a route that calls the ledger: the ledger failed (502) or is unreachable (503). */
export const LEDGER_ERRORS = [502, 503] as const;
