import type { TLSSocket } from 'node:tls';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { serviceFallbacks } from '../../api/serviceFallbacks';
import { ProblemError, type FieldError } from '../../http';
import { CA_PATHS } from './caNames';
import type { CertificateAuthority } from './certificateAuthority';
import { issueRequestSchema, revokeRequestSchema, serialSchema } from './schemas';

export interface CaAppOptions {
  readonly ca: CertificateAuthority;
  /** SHA-256 fingerprints (hex) of the client certificates that may issue and revoke. */
  readonly authorizedClients: ReadonlySet<string>;
  readonly logger: Logger;
}

/** Hex SHA-256 as Node prints it (`AB:CD:…`) or as the gateway stores it (`abcd…`), in the stored form. */
export function normaliseFingerprint(fingerprint: string): string {
  return fingerprint.replace(/:/g, '').toLowerCase();
}

function parse<T extends z.ZodType>(schema: T, value: unknown, where: string): z.output<T> {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) {
    return parsed.data;
  }
  const errors: FieldError[] = parsed.error.issues.map((issue) => ({
    path: [where, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  throw new ProblemError('invalid-request', `the request ${where === 'body' ? 'body' : where} is not valid`, {
    errors,
  });
}

/**
 * A CA's HTTP API. What relying parties need is public, as a CA publishes it: `/health`, `/ca.pem` (the
 * certificate, also AIA caIssuers) and `/crl` (DER, the CRL distribution point). Issuing and revoking (`/v1`)
 * need mutual TLS with a client certificate whose SHA-256 fingerprint is on the CA's list — the signing service's.
 * A pinned certificate rather than a bearer secret: the CA then stores nothing secret about its callers, and a
 * stolen request log holds nothing replayable.
 */
export function caApp(options: CaAppOptions): Express {
  const { ca, logger } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.get(CA_PATHS.health, (_req, res) => {
    res.json({ status: 'ok', ...ca.status() });
  });
  app.get(CA_PATHS.certificate, (_req, res) => {
    res.type('application/x-pem-file').send(ca.certificatePem);
  });
  app.get('/ca.cer', (_req, res) => {
    res.type('application/pkix-cert').send(Buffer.from(ca.certificate.rawData));
  });
  app.get(CA_PATHS.crl, async (_req, res) => {
    const crl = await ca.currentCrl();
    res
      .set('Last-Modified', new Date(crl.thisUpdate).toUTCString())
      .set('Expires', new Date(crl.nextUpdate).toUTCString())
      .set('X-CRL-Number', String(crl.crlNumber))
      .type('application/pkix-crl')
      .send(crl.der);
  });

  app.use('/v1', (req: Request, _res: Response, next: NextFunction) => {
    const socket = req.socket as TLSSocket;
    const fingerprint =
      typeof socket.getPeerCertificate === 'function'
        ? socket.getPeerCertificate().fingerprint256
        : undefined;
    if (!fingerprint) {
      next(new ProblemError('unauthorized', 'issuing and revoking need a client certificate (mutual TLS)'));
    } else if (!options.authorizedClients.has(normaliseFingerprint(fingerprint))) {
      next(new ProblemError('forbidden', 'this client certificate may not issue or revoke at this CA'));
    } else {
      next();
    }
  });
  app.use('/v1', express.json({ limit: '16kb', type: () => true }));

  app.post(CA_PATHS.issue, async (req, res) => {
    const body = parse(issueRequestSchema, req.body, 'body');
    const issued = await ca.issue({
      kid: body.kid,
      publicKey: 'publicJwk' in body ? { publicJwk: body.publicJwk } : { spkiPem: body.spkiPem },
    });
    logger.info({ serial: issued.serial, kid: issued.kid }, 'certificate issued');
    res.status(201).json(issued);
  });
  app.post(CA_PATHS.revoke, async (req, res) => {
    const serial = parse(serialSchema, req.params['serial'], 'path.serial');
    const body = parse(revokeRequestSchema, req.body, 'body');
    const revocation = await ca.revoke(serial, {
      ...(body.reason !== undefined ? { reason: body.reason } : {}),
      ...(body.revokedAt !== undefined ? { revokedAt: new Date(body.revokedAt) } : {}),
      ...(body.invalidityDate !== undefined ? { invalidityDate: new Date(body.invalidityDate) } : {}),
    });
    logger.info(
      { serial, reason: revocation.reason, crlNumber: revocation.crlNumber },
      'certificate revoked',
    );
    res.json(revocation);
  });

  app.use(...serviceFallbacks(logger, 'this CA'));
  return app;
}
