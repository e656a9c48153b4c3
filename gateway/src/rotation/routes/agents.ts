import type { Role } from '@keyledger/chaincode/protocol';
import { Counter, type Registry } from 'prom-client';
import { LedgerError } from '../../fabric';
import { actsAs, ProblemError, type ApiCaller, type RequestServices } from '../../http';
import type { FrontendNodeHandle, ValidatorAgentHandle } from '../types';

/** What the rotation routes run on: this gateway's agents, and the rules for using them. */
export interface RotationApiDeps {
  /** Validator agents of this gateway by name; rotate-now and compromise run through the caller's own. */
  readonly validators?: ReadonlyMap<string, ValidatorAgentHandle>;
  /** Front-end nodes of this gateway by name; encrypt and decrypt run through the caller's own. */
  readonly frontends?: ReadonlyMap<string, FrontendNodeHandle>;
  /** Ledger roles allowed to encrypt and decrypt through a front-end node (default: frontend). */
  readonly cryptoRoles?: readonly Role[];
}

type Labels<T extends string> = Counter<T>;

/** The rotation capability's metrics. Label values stay bounded: configured node names and enums. */
export interface RotationMetrics {
  readonly cryptoOperations: Labels<'operation' | 'frontend' | 'outcome'>;
  readonly cryptoBytes: Labels<'operation'>;
  readonly compromisedDecrypts: Labels<'frontend'>;
  readonly agentErrors: Labels<'agent' | 'kind'>;
}

export function rotationMetrics(registry: Registry): RotationMetrics {
  const registers = [registry];
  return {
    cryptoOperations: new Counter({
      name: 'keyledger_crypto_operations_total',
      help: 'Encrypt and decrypt operations through front-end nodes, by operation, front-end and outcome',
      labelNames: ['operation', 'frontend', 'outcome'],
      registers,
    }),
    cryptoBytes: new Counter({
      name: 'keyledger_crypto_plaintext_bytes_total',
      help: 'Plaintext bytes encrypted or decrypted successfully',
      labelNames: ['operation'],
      registers,
    }),
    compromisedDecrypts: new Counter({
      name: 'keyledger_crypto_compromised_decrypts_total',
      help: 'Messages decrypted with a key version marked compromised (still within retention)',
      labelNames: ['frontend'],
      registers,
    }),
    agentErrors: new Counter({
      name: 'keyledger_rotation_agent_ledger_errors_total',
      help: 'Ledger errors of validator agents acting for API callers, by agent and error kind',
      labelNames: ['agent', 'kind'],
      registers,
    }),
  };
}

/** The agents of this gateway and the checks that a caller may use them. */
export class RotationAgents {
  readonly validators: ReadonlyMap<string, ValidatorAgentHandle>;
  readonly frontends: ReadonlyMap<string, FrontendNodeHandle>;
  readonly cryptoRoles: readonly Role[];
  readonly metrics: RotationMetrics;

  constructor(deps: RotationApiDeps, metrics: RotationMetrics) {
    this.validators = deps.validators ?? new Map();
    this.frontends = deps.frontends ?? new Map();
    this.cryptoRoles = deps.cryptoRoles ?? ['frontend'];
    this.metrics = metrics;
  }

  validatorNameOf(caller: ApiCaller): string | null {
    for (const handle of this.validators.values()) {
      if (actsAs(handle.identity, caller)) {
        return handle.name;
      }
    }
    return null;
  }

  frontendNameOf(caller: ApiCaller): string | null {
    for (const [name, handle] of this.frontends) {
      if (actsAs(handle.identity, caller)) {
        return name;
      }
    }
    return null;
  }

  /** The validator agent acting as the caller, or a 403: an agent acts only for the identity it is. */
  validatorFor(caller: ApiCaller, action: string): ValidatorAgentHandle {
    for (const handle of this.validators.values()) {
      if (actsAs(handle.identity, caller)) {
        return handle;
      }
    }
    throw new ProblemError(
      'forbidden',
      `only a validator can ${action}: ${caller.name} (${caller.mspId}) is not a validator agent of this gateway`,
    );
  }

  /**
   * The front-end node acting as the caller — the one named by `?frontend=`, which must then be the caller's
   * own — or a 403. A node encrypts under its own identity and counts volume as itself, so another identity
   * using it would act through an agent that is not theirs.
   */
  frontendFor(
    caller: ApiCaller,
    name: string | undefined,
    action: string,
  ): { name: string; node: FrontendNodeHandle } {
    if (name !== undefined) {
      const node = this.frontends.get(name);
      if (!node) {
        const known = [...this.frontends.keys()].sort().join(', ') || 'none';
        throw new ProblemError(
          'not-found',
          `no front-end node named ${name} on this gateway (known: ${known})`,
        );
      }
      if (!actsAs(node.identity, caller)) {
        throw new ProblemError(
          'forbidden',
          `front-end node ${name} does not act as ${caller.name} (${caller.mspId}): a caller may ${action} only through its own node`,
        );
      }
      return { name, node };
    }
    const own = this.frontendNameOf(caller);
    if (own === null) {
      throw new ProblemError(
        'forbidden',
        `only a front-end can ${action}: ${caller.name} (${caller.mspId}) is not a front-end node of this gateway`,
      );
    }
    return { name: own, node: this.frontends.get(own) as FrontendNodeHandle };
  }

  /** The caller's ledger roles must include a crypto role (the chaincode decides roles, not this gateway). */
  async requireCryptoRole(services: RequestServices, caller: ApiCaller, action: string): Promise<void> {
    const roles = await services.rolesOf(caller);
    if (!roles.some((role) => this.cryptoRoles.includes(role))) {
      throw new ProblemError(
        'forbidden',
        `${action} needs the ledger role ${this.cryptoRoles.join(' or ')}; ${caller.name} has ${
          roles.length > 0 ? roles.join(', ') : 'no role'
        }`,
      );
    }
  }

  /** Runs an agent call, counting its ledger errors by agent and kind. */
  async throughAgent<T>(agent: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof LedgerError) {
        this.metrics.agentErrors.inc({ agent, kind: error.kind });
      }
      throw error;
    }
  }
}
