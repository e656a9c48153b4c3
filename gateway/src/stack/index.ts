export * from './governanceSetup';
export * from './localStack';
