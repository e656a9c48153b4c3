import type { TLSSocket } from 'node:tls';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { serviceFallbacks } from '../../api/serviceFallbacks';
import { ServiceError } from '../../errors';
import { ProblemError, type FieldError } from '../../http';
import {
  createKeyRequest,
  decryptRequest,
  encryptRequest,
  exportKeyRequest,
  generateDataKeyRequest,
  importKeyRequest,
  keyIdSchema,
  PROVIDER_PATHS,
  reEncryptRequest,
  type ProviderHealth,
} from '../wire';
import type { ProviderMetrics } from './providerMetrics';
import type { ProviderService } from './providerService';

export interface ProviderAppOptions {
  readonly service: ProviderService;
  readonly metrics: ProviderMetrics;
  /** Whether a client certificate with this SHA-256 fingerprint (hex) may call /v1. */
  readonly allowsClient: (fingerprint: string) => Promise<boolean>;
  /** Accept POST /v1/faults (tests and demonstrations only). */
  readonly allowFaultInjection: boolean;
  readonly logger: Logger;
}

/** Injected faults: extra latency before every key operation, and a byzantine mode that lies about data keys. */
export interface Faults {
  latencyMs: number;
  byzantine: boolean;
}

export const faultsRequest = z.strictObject({
  latencyMs: z.number().int().min(0).max(60_000).optional(),
  byzantine: z.boolean().optional(),
});

function parse<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) {
    return parsed.data;
  }
  const errors: FieldError[] = parsed.error.issues.map((issue) => ({
    path: ['body', ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  throw new ProblemError('invalid-request', 'the request body is not valid', { errors });
}

/**
 * The provider's HTTP API. `/health` and `/metrics` are open (monitoring needs no certificate); everything under
 * `/v1` needs a client certificate of a registered orchestrator, checked on every request against the ledger's
 * member list (kept for seconds), so revoking an orchestrator's role locks it out without a restart.
 */
export function providerApp(options: ProviderAppOptions): Express {
  const { service, metrics, logger } = options;
  const faults: Faults = { latencyMs: 0, byzantine: false };
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.get(PROVIDER_PATHS.health, (_req, res) => {
    const health: ProviderHealth = service.health();
    res.status(health.status === 'ok' ? 200 : 503).json(health);
  });
  app.get(PROVIDER_PATHS.metrics, async (_req, res) => {
    metrics.keys.set(service.keyCount());
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  app.use('/v1', async (req: Request, _res: Response, next: NextFunction) => {
    const socket = req.socket as TLSSocket;
    const certificate =
      typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
    const fingerprint = certificate?.fingerprint256;
    if (!fingerprint) {
      metrics.refusedClients.inc();
      next(new ProblemError('unauthorized', 'a client certificate of a registered orchestrator is required'));
      return;
    }
    try {
      if (!(await options.allowsClient(fingerprint))) {
        metrics.refusedClients.inc();
        next(
          new ProblemError(
            'forbidden',
            'this client certificate is not an active orchestrator member on the ledger',
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
  app.use('/v1', express.json({ limit: '64kb', type: () => true }));

  if (options.allowFaultInjection) {
    app.post('/v1/faults', (req, res) => {
      const wanted = parse(faultsRequest, req.body);
      faults.latencyMs = wanted.latencyMs ?? faults.latencyMs;
      faults.byzantine = wanted.byzantine ?? faults.byzantine;
      logger.warn({ faults }, 'fault injection changed');
      res.json(faults);
    });
  }

  const operation =
    (name: string, handle: (req: Request) => Promise<unknown> | unknown) =>
    async (req: Request, res: Response): Promise<void> => {
      const end = metrics.duration.startTimer({ operation: name });
      if (faults.latencyMs > 0) {
        await new Promise((resolve) => setTimeout(resolve, faults.latencyMs));
      }
      try {
        const answer = await handle(req);
        metrics.requests.inc({ operation: name, outcome: 'ok' });
        res.json(answer);
      } catch (error) {
        const outcome = error instanceof ServiceError ? error.problemType : 'internal-error';
        metrics.requests.inc({ operation: name, outcome });
        throw error;
      } finally {
        end();
      }
    };

  app.post(
    PROVIDER_PATHS.generateDataKey,
    operation('generate-data-key', (req) => {
      const body = parse(generateDataKeyRequest, req.body);
      const answer = service.generateDataKey(body.keyId, body.encryptionContext, body.keySpec);
      return faults.byzantine ? service.corrupt(answer) : answer;
    }),
  );
  app.post(
    PROVIDER_PATHS.encrypt,
    operation('encrypt', (req) => {
      const body = parse(encryptRequest, req.body);
      return service.encrypt(body.keyId, Buffer.from(body.plaintext, 'base64'), body.encryptionContext);
    }),
  );
  app.post(
    PROVIDER_PATHS.decrypt,
    operation('decrypt', (req) => {
      const body = parse(decryptRequest, req.body);
      return service.decrypt(Buffer.from(body.ciphertextBlob, 'base64'), body.encryptionContext);
    }),
  );
  app.post(
    PROVIDER_PATHS.reEncrypt,
    operation('re-encrypt', (req) => {
      const body = parse(reEncryptRequest, req.body);
      return service.reEncrypt(
        Buffer.from(body.ciphertextBlob, 'base64'),
        body.sourceEncryptionContext,
        body.destinationKeyId,
        body.destinationEncryptionContext,
      );
    }),
  );
  app.get(
    PROVIDER_PATHS.keys,
    operation('list-keys', () => service.listKeys()),
  );
  app.post(
    PROVIDER_PATHS.keys,
    operation('create-key', (req) => service.createKey(parse(createKeyRequest, req.body).keyId)),
  );
  app.post(
    '/v1/keys/:keyId/export',
    operation('export-key', (req) =>
      service.exportKey(parse(keyIdSchema, req.params['keyId']), parse(exportKeyRequest, req.body)),
    ),
  );
  app.post(
    '/v1/keys/:keyId/import',
    operation('import-key', (req) =>
      service.importKey(parse(keyIdSchema, req.params['keyId']), parse(importKeyRequest, req.body)),
    ),
  );

  app.use(...serviceFallbacks(logger, 'this provider'));
  return app;
}
