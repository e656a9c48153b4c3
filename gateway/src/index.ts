export * from './fabric';
export * from './hsm';
export * from './rotation';
export * from './api';
export * from './stack';
