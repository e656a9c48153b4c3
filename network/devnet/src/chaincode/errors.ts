/** Raised when a chaincode cannot be started or reached: program missing, exited or silent at startup, server unreachable. */
export class ChaincodeLaunchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChaincodeLaunchError';
  }
}
