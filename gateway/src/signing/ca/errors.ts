import { ServiceError } from '../../errors';

/** An issue or revoke request the CA cannot act on as given (not a P-256 public key, a bad kid or reason). */
export class CaRequestError extends ServiceError {
  constructor(message: string, cause?: unknown) {
    super({ message, problemType: 'invalid-request', cause });
  }
}

/** No certificate with this serial was issued by this CA. */
export class CertificateNotFoundError extends ServiceError {
  readonly serial: string;

  constructor(serial: string) {
    super({
      message: `this CA issued no certificate ${serial}`,
      problemType: 'not-found',
      extensions: { serial },
    });
    this.serial = serial;
  }
}

/** The CA's durable state or key does not match what it expects (e.g. ca.pem is not the token's key). */
export class CaStateError extends ServiceError {
  constructor(message: string, cause?: unknown) {
    super({
      message,
      detail: 'the certificate authority is misconfigured',
      problemType: 'unavailable',
      cause,
    });
  }
}

/** A CA could not be reached or answered something other than what was asked (client side). */
export class CaUnavailableError extends ServiceError {
  readonly caId: string;

  constructor(caId: string, message: string, cause?: unknown) {
    super({ message: `${caId}: ${message}`, problemType: 'unavailable', extensions: { caId }, cause });
    this.caId = caId;
  }
}
