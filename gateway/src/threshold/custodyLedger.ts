import { THRESHOLD, type threshold } from '@keyledger/chaincode/protocol';
import { ContractClient, LedgerError, type LedgerAccess } from '../fabric';
import type {
  CloseSessionInput,
  LedgerCommitments,
  LedgerSession,
  ProtocolLedger,
  ShareAcknowledgements,
} from './protocol/ports';
import type {
  ModuleSummary,
  OpenSessionInput,
  OrchestratorLedger,
  PublishCommitmentsInput,
} from './service/ports';

async function orUndefined<T>(read: Promise<T>): Promise<T | undefined> {
  try {
    return await read;
  } catch (error) {
    if (error instanceof LedgerError && error.kind === 'NOT_FOUND') {
      return undefined;
    }
    throw error;
  }
}

type ModuleView = threshold.SecurityModule & { readonly score: number };

function summary(module: ModuleView): ModuleSummary {
  return {
    moduleId: module.moduleId,
    shareIndex: module.shareIndex,
    status: module.status,
    score: module.score,
    endpoint: module.endpoint,
    tlsCertificatePem: module.tlsCertificatePem,
  };
}

/**
 * The TrustDomain calls of threshold custody — keys, commitments, sessions and acknowledgements — as both sides
 * use them: the orchestrator (policy, ceremonies, sessions) and a module (its session checks, acknowledgements and
 * the close of a session it coordinated). Every call acts as the identity of the access it was made with.
 */
export class CustodyLedger implements OrchestratorLedger, ProtocolLedger {
  readonly #contract: ContractClient<typeof THRESHOLD>;

  constructor(access: LedgerAccess) {
    this.#contract = new ContractClient(access, THRESHOLD);
  }

  policy(keyId: string): Promise<threshold.ThresholdPolicy | undefined> {
    return orUndefined(this.#contract.evaluate<threshold.ThresholdPolicy>('GetThresholdPolicy', keyId));
  }

  setPolicy(input: {
    keyId: string;
    t: number;
    n: number;
    minTrust: number;
    attestationMaxAgeSeconds?: number;
  }): Promise<threshold.ThresholdPolicy> {
    return this.#contract.submit('SetThresholdPolicy', JSON.stringify(input));
  }

  async modules(minScore: number): Promise<readonly ModuleSummary[]> {
    const list = await this.#contract.evaluate<{ modules: ModuleView[] }>('ListModules', String(minScore));
    return list.modules.map(summary);
  }

  /** Every module with its trust score and counters (the full ledger view). */
  async moduleViews(minScore = 0): Promise<readonly ModuleView[]> {
    return (await this.#contract.evaluate<{ modules: ModuleView[] }>('ListModules', String(minScore)))
      .modules;
  }

  async module(moduleId: string): Promise<ModuleSummary | undefined> {
    const module = await orUndefined(this.#contract.evaluate<ModuleView>('GetModule', moduleId));
    return module === undefined ? undefined : summary(module);
  }

  moduleView(moduleId: string): Promise<ModuleView | undefined> {
    return orUndefined(this.#contract.evaluate<ModuleView>('GetModule', moduleId));
  }

  trustEvents(moduleId: string, limit = 20): Promise<unknown> {
    return this.#contract.evaluate('ListTrustEvents', moduleId, String(limit), '');
  }

  commitments(keyId: string, epoch?: number): Promise<LedgerCommitments> {
    return this.#contract.evaluate<LedgerCommitments>(
      'GetCommitments',
      keyId,
      epoch === undefined ? '' : String(epoch),
    );
  }

  latestCommitments(keyId: string): Promise<LedgerCommitments | undefined> {
    return orUndefined(this.commitments(keyId));
  }

  publishCommitments(input: PublishCommitmentsInput): Promise<LedgerCommitments> {
    return this.#contract.submit('PublishCommitments', JSON.stringify(input));
  }

  acknowledgeShare(input: { keyId: string; epoch: number; moduleId: string }): Promise<unknown> {
    return this.#contract.submit('AcknowledgeShare', JSON.stringify(input));
  }

  shareAcknowledgements(keyId: string, epoch: number): Promise<ShareAcknowledgements> {
    return this.#contract.evaluate('GetShareAcknowledgements', keyId, String(epoch));
  }

  openSession(input: OpenSessionInput): Promise<threshold.ThresholdSession> {
    return this.#contract.submit('OpenSession', JSON.stringify(input));
  }

  session(sessionId: string): Promise<LedgerSession> {
    return this.#contract.evaluate('GetSession', sessionId);
  }

  closeSession(input: CloseSessionInput): Promise<unknown> {
    return this.#contract.submit('CloseSession', JSON.stringify(input));
  }

  expireSession(sessionId: string): Promise<unknown> {
    return this.#contract.submit('ExpireSession', sessionId);
  }

  reportTamper(input: { moduleId: string; evidenceDigest: string; description: string }): Promise<unknown> {
    return this.#contract.submit('ReportTamper', JSON.stringify(input));
  }

  clearQuarantine(moduleId: string, reason: string): Promise<unknown> {
    return this.#contract.submit('ClearQuarantine', moduleId, reason);
  }

  reportAnomaly(input: {
    moduleId: string;
    kind: string;
    severity: number;
    evidenceDigest?: string;
  }): Promise<unknown> {
    return this.#contract.submit('ReportAnomaly', JSON.stringify(input));
  }
}
