export { CircuitBreaker, type BreakerOptions, type BreakerSnapshot, type BreakerState } from './breaker';
export {
  CANDIDATE_INVALIDATING_EVENTS,
  LedgerCandidates,
  type CandidateSource,
  type LedgerCandidatesOptions,
  type ProviderLister,
} from './candidates';
export { OrchestrationError, RequestCancelledError, type AttemptRecord } from './errors';
export { LoadTracker, type CallOutcome, type LoadSnapshot, type LoadTrackerOptions } from './loadTracker';
export { type OutcomeBatch } from './outcomeJournal';
export {
  OutcomeReporter,
  type OutcomeRecorder,
  type OutcomeReporterOptions,
  type OutcomeReporterStats,
  type OutcomeSink,
} from './outcomeReporter';
export {
  KeyOrchestrator,
  type KeyOrchestratorOptions,
  type OrchestratedResult,
  type OrchestratorCallOptions,
  type ProviderLoadStatus,
} from './orchestrator';
export {
  NoCandidateError,
  SELECTION_DEFAULTS,
  selectProvider,
  type CandidateExplanation,
  type SelectionCandidate,
  type SelectionExplanation,
  type SelectionInput,
  type SelectionOptions,
  type SlowStartOptions,
} from './selection';
