export * from './config';
export * from './connection';
export * from './errors';
export * from './events';
export * from './ledgerClient';
export * from './identity';
