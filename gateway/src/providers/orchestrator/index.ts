export { CircuitBreaker, type BreakerOptions, type BreakerSnapshot, type BreakerState } from './breaker';
export {
  CANDIDATE_EVENTS,
  LedgerCandidates,
  type CandidateSource,
  type LedgerCandidatesOptions,
} from './candidates';
export { LoadTracker, type CallOutcome, type LoadSnapshot, type LoadTrackerOptions } from './loadTracker';
export {
  KeyOrchestrator,
  NoProviderServedError,
  type Attempt,
  type CallContext,
  type KeyOrchestratorOptions,
  type Orchestrated,
  type ProviderLiveView,
} from './orchestrator';
export {
  OutcomeReporter,
  type OutcomeBatch,
  type OutcomeReporterOptions,
  type OutcomeSink,
  type ReporterStats,
} from './outcomeReporter';
export {
  NoCandidateError,
  selectProvider,
  SELECTION_DEFAULTS,
  type CandidateExplanation,
  type SelectionExplanation,
  type SelectionOptions,
  type SlowStartOptions,
} from './selection';
