export * from './fabric';
export * from './hsm';
