import type { TLSSocket } from 'node:tls';
import express, { type Express, type NextFunction, type Request, type Response, type Router } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { serviceFallbacks } from '../../api/serviceFallbacks';
import { ProblemError } from '../../http';
import { MISBEHAVIOURS } from './context';
import type { FaultSwitch } from './faults';

/** What GET /health answers. */
export interface ModuleHealth {
  readonly moduleId: string;
  readonly shareIndex: number;
  readonly status: 'ok' | 'unattested';
  readonly lastAttestedAt: number | null;
  readonly keys: { readonly keyId: string; readonly epochs: number[] }[];
}

export interface ModuleAppOptions {
  readonly health: () => ModuleHealth;
  /** Whether a client certificate with this SHA-256 fingerprint (hex) may call the module at all. */
  readonly allowsClient: (fingerprint: string) => Promise<boolean>;
  readonly faults: FaultSwitch;
  /** The threshold protocol's routes, mounted under /v1. */
  readonly protocol?: Router;
  readonly logger: Logger;
}

const faultsRequest = z.strictObject({ misbehave: z.array(z.enum(MISBEHAVIOURS)).max(MISBEHAVIOURS.length) });

/**
 * The module's HTTP API. Every route, /health included, needs the client certificate of an active member with
 * role orchestrator or module (checked against the ledger's member list, kept for seconds): a module speaks only to
 * the trust domain. Errors are application/problem+json.
 */
export function moduleApp(options: ModuleAppOptions): Express {
  const { logger, faults } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use(async (req: Request, _res: Response, next: NextFunction) => {
    const socket = req.socket as TLSSocket;
    const certificate =
      typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
    const fingerprint = certificate?.fingerprint256;
    if (!fingerprint) {
      next(new ProblemError('unauthorized', 'a client certificate of an orchestrator or module is required'));
      return;
    }
    try {
      if (!(await options.allowsClient(fingerprint))) {
        next(
          new ProblemError(
            'forbidden',
            'this client certificate is not an active orchestrator or module member on the ledger',
          ),
        );
        return;
      }
    } catch (error) {
      next(new ProblemError('unavailable', 'the ledger could not be asked who may call', { cause: error }));
      return;
    }
    next();
  });

  app.get('/health', (_req, res) => {
    // 200 while it serves: whether the trust domain trusts it is the ledger's score, not this answer.
    res.json(options.health());
  });

  app.use('/v1', express.json({ limit: '256kb', type: () => true }));
  app.post('/v1/faults', (req, res) => {
    if (!faults.allowed) {
      throw new ProblemError('forbidden', 'this module was not started with fault injection allowed');
    }
    const parsed = faultsRequest.safeParse(req.body ?? {});
    if (!parsed.success) {
      throw new ProblemError('invalid-request', 'the request body is not valid', {
        errors: parsed.error.issues.map((issue) => ({
          path: ['body', ...issue.path.map(String)].join('.'),
          message: issue.message,
        })),
      });
    }
    faults.set(parsed.data.misbehave);
    logger.warn({ misbehave: parsed.data.misbehave }, 'fault injection changed');
    res.json({ misbehave: [...faults.misbehave] });
  });
  if (options.protocol) {
    app.use('/v1', options.protocol);
  }

  app.use(...serviceFallbacks(logger, 'this module'));
  return app;
}
