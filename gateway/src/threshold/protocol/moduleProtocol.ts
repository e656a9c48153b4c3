import type { TLSSocket } from 'node:tls';
import { Router, type Request } from 'express';
import type { z } from 'zod';
import { ProblemError, type FieldError } from '../../http';
import { CeremonyParticipant } from './ceremonies';
import { SigningCoordinator, type CoordinatorOptions } from './coordinator';
import type { ProtocolContext } from './ports';
import { Reconstructor } from './reconstructor';
import { SessionGuard } from './sessionGuard';
import { SessionSigner } from './signer';
import {
  acceptShareRequest,
  commitRequest,
  coordinateRequest,
  dealerDeliverRequest,
  deliverRequest,
  dkgRound1Request,
  dkgRound2Request,
  dkgRound3Request,
  forgetShareRequest,
  MODULE_PATHS,
  reconstructRequest,
  refreshDealRequest,
  refreshFinishRequest,
  releaseShareRequest,
  signShareRequest,
} from './wire';

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

/** The SHA-256 fingerprint of the caller's TLS client certificate, lowercase hex without colons. */
function callerFingerprint(req: Request): string {
  const socket = req.socket as TLSSocket;
  const fingerprint =
    typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate().fingerprint256 : undefined;
  if (!fingerprint) {
    throw new ProblemError('unauthorized', 'a client certificate is required');
  }
  return fingerprint.replace(/:/g, '').toLowerCase();
}

/** The member whose certificate a module's deliveries came with is the sender it claims to be (checked by id). */
export interface ModuleProtocolOptions extends CoordinatorOptions {
  /** The moduleId whose owner holds this certificate fingerprint, if any (to bind deliveries to their sender). */
  readonly moduleOfFingerprint?: (fingerprint: string) => Promise<string | undefined>;
}

/**
 * Everything a security module answers beyond health: ceremonies, session steps and coordination. The server's
 * gate has already admitted the caller (an orchestrator or a module member); steps that only a session's
 * coordinator may ask are checked against the ledger's record of that session.
 */
export class ModuleProtocol {
  readonly ceremonies: CeremonyParticipant;
  readonly signer: SessionSigner;
  readonly coordinator: SigningCoordinator;
  readonly reconstructor: Reconstructor;
  readonly #options: ModuleProtocolOptions;

  constructor(context: ProtocolContext, options: ModuleProtocolOptions = {}) {
    const guard = new SessionGuard(context.ledger, context.moduleId);
    this.ceremonies = new CeremonyParticipant(context, guard);
    this.signer = new SessionSigner(context, guard);
    this.coordinator = new SigningCoordinator(context, guard, this.signer, options);
    this.reconstructor = new Reconstructor(context, guard, this.signer, options.roundTimeoutMs);
    this.#options = options;
  }

  /** Routes relative to the `/v1` mount point of the module server. */
  router(): Router {
    const router = Router();
    const at = (path: string): string => path.replace(/^\/v1/, '');
    const sender = async (req: Request, claimed: string): Promise<void> => {
      const lookup = this.#options.moduleOfFingerprint;
      if (lookup === undefined) {
        return;
      }
      const actual = await lookup(callerFingerprint(req));
      if (actual !== claimed) {
        throw new ProblemError('forbidden', `this client certificate is not the one of module ${claimed}`);
      }
    };
    router.post(at(MODULE_PATHS.dkgRound1), (req, res) => {
      res.json(this.ceremonies.dkgRound1(parse(dkgRound1Request, req.body)));
    });
    router.post(at(MODULE_PATHS.dkgRound2), async (req, res) => {
      res.json(await this.ceremonies.dkgRound2(parse(dkgRound2Request, req.body)));
    });
    router.post(at(MODULE_PATHS.dkgDeliver), async (req, res) => {
      const body = parse(deliverRequest, req.body);
      await sender(req, body.from);
      res.json(this.ceremonies.receive(body));
    });
    router.post(at(MODULE_PATHS.refreshDeliver), async (req, res) => {
      const body = parse(deliverRequest, req.body);
      await sender(req, body.from);
      res.json(this.ceremonies.receive(body));
    });
    router.post(at(MODULE_PATHS.dkgRound3), (req, res) => {
      res.json(this.ceremonies.dkgRound3(parse(dkgRound3Request, req.body).ceremonyId));
    });
    router.post(at(MODULE_PATHS.dealerDeal), async (req, res) => {
      res.json(await this.ceremonies.deal(parse(dkgRound1Request, req.body)));
    });
    router.post(at(MODULE_PATHS.dealerDeliver), async (req, res) => {
      const body = parse(dealerDeliverRequest, req.body);
      const lookup = this.#options.moduleOfFingerprint;
      const from = lookup === undefined ? 'dealer' : ((await lookup(callerFingerprint(req))) ?? 'unknown');
      res.json(this.ceremonies.receiveDealt(body, from));
    });
    router.post(at(MODULE_PATHS.acceptShare), async (req, res) => {
      res.json(await this.ceremonies.accept(parse(acceptShareRequest, req.body)));
    });
    router.post(at(MODULE_PATHS.forgetShare), async (req, res) => {
      res.json(await this.ceremonies.forget(parse(forgetShareRequest, req.body)));
    });
    router.post(at(MODULE_PATHS.refreshDeal), async (req, res) => {
      res.json(await this.ceremonies.refreshDeal(parse(refreshDealRequest, req.body)));
    });
    router.post(at(MODULE_PATHS.refreshFinish), async (req, res) => {
      res.json(await this.ceremonies.refreshFinish(parse(refreshFinishRequest, req.body)));
    });
    router.post(at(MODULE_PATHS.coordinate), async (req, res) => {
      res.json(await this.coordinator.coordinate(parse(coordinateRequest, req.body)));
    });
    router.post(at(MODULE_PATHS.commit), async (req, res) => {
      res.json(await this.signer.commit(parse(commitRequest, req.body), callerFingerprint(req)));
    });
    router.post(at(MODULE_PATHS.signShare), async (req, res) => {
      res.json(await this.signer.signShare(parse(signShareRequest, req.body), callerFingerprint(req)));
    });
    router.post(at(MODULE_PATHS.releaseShare), async (req, res) => {
      res.json(
        await this.signer.release(parse(releaseShareRequest, req.body).sessionId, callerFingerprint(req)),
      );
    });
    router.post(at(MODULE_PATHS.reconstruct), async (req, res) => {
      res.json(await this.reconstructor.reconstruct(parse(reconstructRequest, req.body)));
    });
    return router;
  }
}
