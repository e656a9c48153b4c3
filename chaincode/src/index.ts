export const contracts: unknown[] = [];
