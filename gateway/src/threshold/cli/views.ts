import { formatFields, formatTable, formatTime } from '../../command';

/*
 * What the threshold REST API answers, as the CLI reads it, and how it prints it. Types only from here: the
 * dispatcher must not load the HSM or Fabric layers for a REST command.
 */

export interface PolicyView {
  readonly keyId: string;
  readonly t: number;
  readonly n: number;
  readonly minTrust: number;
  readonly attestationMaxAgeSeconds?: number;
  readonly version: number;
}

export interface CeremonyView {
  readonly keyId: string;
  readonly epoch: number;
  readonly mode: string;
  readonly groupPublicKey: string;
  readonly t: number;
  readonly n: number;
  readonly participants: readonly { readonly moduleId: string; readonly shareIndex: number }[];
  readonly ceremonyId: string;
  readonly durationMs: number;
  readonly forgotten?: Readonly<Record<string, readonly number[]>>;
}

export interface KeyView {
  readonly keyId: string;
  readonly policy: PolicyView | null;
  readonly epoch: number | null;
  readonly groupPublicKey: string | null;
  readonly jwk: { readonly x: string } | null;
  readonly t: number | null;
  readonly n: number | null;
  readonly shareIndices: readonly number[];
  readonly acknowledgements: {
    readonly expected: readonly string[];
    readonly acknowledged: readonly string[];
    readonly complete: boolean;
  } | null;
}

export interface SignView {
  readonly signature: string;
  readonly jws?: string;
  readonly groupPublicKey: string;
  readonly sessionId: string;
  readonly coordinator: string;
  readonly epoch: number;
  readonly signers: readonly string[];
  readonly cheaters: readonly string[];
  readonly late: readonly string[];
}

export interface ModuleView {
  readonly moduleId: string;
  readonly shareIndex: number;
  readonly status: string;
  readonly score: number;
  readonly endpoint?: string;
  readonly lastAttestedAt?: number;
  readonly tlsCertificateDigest?: string;
  readonly counters: {
    readonly attestations: number;
    readonly participationOk: number;
    readonly participationFailed: number;
    readonly anomalies: number;
    readonly cheaterReports: number;
    readonly tamperReports: number;
  };
}

export interface ModuleDetailView {
  readonly module: ModuleView;
  readonly events: readonly {
    readonly kind: string;
    readonly at: number;
    readonly sessionId?: string;
    readonly reason?: string;
    readonly anomalyKind?: string;
    readonly severity?: number;
  }[];
}

export interface SessionView {
  readonly sessionId: string;
  readonly keyId: string;
  readonly kind: string;
  readonly purpose: string;
  readonly status: string;
  readonly eligible: readonly {
    readonly moduleId: string;
    readonly shareIndex: number;
    readonly score: number;
  }[];
  readonly coordinator: string;
  readonly outcome?: string;
  readonly cheaters?: readonly string[];
  readonly late?: readonly string[];
  readonly responders?: readonly string[];
  readonly expiresAt: number;
  readonly expired: boolean;
  readonly reason?: string;
}

const list = (ids: readonly string[] | undefined): string =>
  ids && ids.length > 0 ? ids.join(', ') : 'none';

export function renderPolicy(policy: PolicyView): string {
  return formatFields([
    ['key', policy.keyId],
    ['threshold', `${policy.t} of ${policy.n}`],
    ['min trust', String(policy.minTrust)],
    [
      'attestation age',
      policy.attestationMaxAgeSeconds === undefined
        ? undefined
        : `at most ${policy.attestationMaxAgeSeconds} s`,
    ],
    ['policy version', String(policy.version)],
  ]);
}

export function renderCeremony(outcome: CeremonyView): string {
  return [
    formatFields([
      ['key', outcome.keyId],
      ['epoch', String(outcome.epoch)],
      ['mode', outcome.mode],
      ['threshold', `${outcome.t} of ${outcome.n}`],
      ['group public key', outcome.groupPublicKey],
      ['ceremony', `${outcome.ceremonyId} (${outcome.durationMs} ms)`],
    ]),
    '',
    formatTable(
      ['MODULE', 'SHARE INDEX', 'FORGOTTEN EPOCHS'],
      outcome.participants.map((p) => [
        p.moduleId,
        String(p.shareIndex),
        outcome.forgotten?.[p.moduleId]?.join(', ') ?? '-',
      ]),
    ),
  ].join('\n');
}

export function renderKey(view: KeyView): string {
  const acks = view.acknowledgements;
  return formatFields([
    ['key', view.keyId],
    ['epoch', view.epoch === null ? 'none (no keygen yet)' : String(view.epoch)],
    ['threshold', view.t === null ? undefined : `${view.t} of ${view.n ?? '?'}`],
    ['min trust', view.policy === null ? 'no policy' : String(view.policy.minTrust)],
    ['group public key', view.groupPublicKey ?? undefined],
    ['JWK x', view.jwk?.x],
    ['share indices', view.shareIndices.length > 0 ? view.shareIndices.join(', ') : undefined],
    [
      'acknowledged',
      acks === null
        ? undefined
        : `${acks.acknowledged.length} of ${acks.expected.length}${acks.complete ? ' (complete)' : ''}`,
    ],
  ]);
}

export function renderModules(modules: readonly ModuleView[]): string {
  return formatTable(
    ['MODULE', 'INDEX', 'STATUS', 'SCORE', 'ATTESTED', 'OK', 'FAILED', 'ANOMALIES', 'CHEATER', 'ENDPOINT'],
    modules.map((m) => [
      m.moduleId,
      String(m.shareIndex),
      m.status,
      String(m.score),
      formatTime(m.lastAttestedAt),
      String(m.counters.participationOk),
      String(m.counters.participationFailed),
      String(m.counters.anomalies),
      String(m.counters.cheaterReports),
      m.endpoint ?? '-',
    ]),
  );
}

export function renderModule(view: ModuleDetailView): string {
  const m = view.module;
  const summary = formatFields([
    ['module', m.moduleId],
    ['status', m.status],
    ['trust score', String(m.score)],
    ['share index', String(m.shareIndex)],
    ['endpoint', m.endpoint],
    ['TLS certificate', m.tlsCertificateDigest],
    ['last attested', formatTime(m.lastAttestedAt)],
    ['attestations', String(m.counters.attestations)],
    ['participation', `${m.counters.participationOk} ok, ${m.counters.participationFailed} failed`],
    ['anomalies', String(m.counters.anomalies)],
    ['cheater reports', String(m.counters.cheaterReports)],
    ['tamper reports', String(m.counters.tamperReports)],
  ]);
  if (view.events.length === 0) return `${summary}\n\nno trust events`;
  const events = formatTable(
    ['AT', 'EVENT', 'DETAIL'],
    view.events.map((e) => [
      formatTime(e.at),
      e.kind,
      [e.anomalyKind, e.severity === undefined ? undefined : `severity ${e.severity}`, e.sessionId, e.reason]
        .filter((part) => part !== undefined)
        .join(' '),
    ]),
  );
  return `${summary}\n\n${events}`;
}

export function renderSession(view: SessionView): string {
  const summary = formatFields([
    ['session', view.sessionId],
    ['key', view.keyId],
    ['kind', `${view.kind} (${view.purpose})`],
    ['status', view.status + (view.outcome ? `: ${view.outcome}` : '') + (view.expired ? ' (expired)' : '')],
    ['coordinator', view.coordinator],
    ['expires', formatTime(view.expiresAt)],
    ['responders', view.responders === undefined ? undefined : list(view.responders)],
    ['cheaters', list(view.cheaters)],
    ['late', list(view.late)],
    ['reason', view.reason],
  ]);
  const eligible = formatTable(
    ['ELIGIBLE', 'INDEX', 'SCORE'],
    view.eligible.map((e) => [e.moduleId, String(e.shareIndex), String(e.score)]),
  );
  return `${summary}\n\n${eligible}`;
}
