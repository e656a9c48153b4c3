export * from './fabric/errors';
