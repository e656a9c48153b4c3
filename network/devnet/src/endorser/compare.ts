import { ledger, peer } from '@hyperledger/fabric-protos';

/** One way in which two endorsers' results differ. */
export interface ResultDifference {
  readonly kind:
    | 'read version mismatch'
    | 'extraneous read'
    | 'missing read'
    | 'write value mismatch'
    | 'extraneous write'
    | 'missing write'
    | 'metadata write mismatch'
    | 'private collection hash mismatch'
    | 'chaincode event mismatch'
    | 'chaincode response mismatch';
  readonly namespace?: string;
  readonly key?: string;
  /** For response and event mismatches: what each endorser produced (shortened). */
  readonly detail?: string;
}

function shorten(bytes: Uint8Array, max = 60): string {
  const text = Buffer.from(bytes).toString('utf8');
  const printable = /^[\x20-\x7e]*$/.test(text) ? text : Buffer.from(bytes).toString('hex');
  return printable.length > max ? `${printable.slice(0, max)}…` : printable;
}

interface NsSummary {
  readonly reads: Map<string, string>;
  readonly writes: Map<string, string>;
  readonly metadata: Map<string, string>;
  readonly collections: Map<string, string>;
}

function versionText(read: ledger.rwset.kvrwset.KVRead): string {
  const version = read.getVersion();
  return version ? `${version.getBlockNum()}:${version.getTxNum()}` : 'nil';
}

function summarise(rwsetBytes: Uint8Array): Map<string, NsSummary> {
  const summary = new Map<string, NsSummary>();
  if (rwsetBytes.length === 0) return summary;
  const txrw = ledger.rwset.TxReadWriteSet.deserializeBinary(rwsetBytes);
  for (const ns of txrw.getNsRwsetList()) {
    const kv = ledger.rwset.kvrwset.KVRWSet.deserializeBinary(ns.getRwset_asU8());
    const entry: NsSummary = {
      reads: new Map(),
      writes: new Map(),
      metadata: new Map(),
      collections: new Map(),
    };
    for (const read of kv.getReadsList()) entry.reads.set(read.getKey(), versionText(read));
    for (const write of kv.getWritesList()) {
      entry.writes.set(
        write.getKey(),
        write.getIsDelete() ? '<delete>' : Buffer.from(write.getValue_asU8()).toString('hex'),
      );
    }
    for (const mw of kv.getMetadataWritesList()) {
      const text = mw
        .getEntriesList()
        .map((e) => `${e.getName()}=${Buffer.from(e.getValue_asU8()).toString('hex')}`)
        .join(',');
      entry.metadata.set(mw.getKey(), text);
    }
    for (const coll of ns.getCollectionHashedRwsetList()) {
      entry.collections.set(
        coll.getCollectionName(),
        Buffer.from(coll.getPvtRwsetHash_asU8()).toString('hex'),
      );
    }
    summary.set(ns.getNamespace(), entry);
  }
  return summary;
}

function compareMaps(
  out: ResultDifference[],
  namespace: string,
  a: Map<string, string> | undefined,
  b: Map<string, string> | undefined,
  kinds: readonly [ResultDifference['kind'], ResultDifference['kind'], ResultDifference['kind']],
): void {
  const left = a ?? new Map<string, string>();
  const right = b ?? new Map<string, string>();
  const keys = [...new Set([...left.keys(), ...right.keys()])].sort();
  for (const key of keys) {
    const x = left.get(key);
    const y = right.get(key);
    if (x === y) continue;
    const kind = x === undefined ? kinds[1] : y === undefined ? kinds[2] : kinds[0];
    out.push({ kind, namespace, key });
  }
}

/**
 * Decodes two ProposalResponsePayloads and lists what differs: read versions, written values, metadata,
 * private data hashes, the event and the response — the detail Fabric's gateway only logs (diff.go).
 */
export function payloadDifferences(first: Uint8Array, second: Uint8Array): ResultDifference[] {
  const out: ResultDifference[] = [];
  const a = peer.ChaincodeAction.deserializeBinary(
    peer.ProposalResponsePayload.deserializeBinary(first).getExtension_asU8(),
  );
  const b = peer.ChaincodeAction.deserializeBinary(
    peer.ProposalResponsePayload.deserializeBinary(second).getExtension_asU8(),
  );
  const sa = summarise(a.getResults_asU8());
  const sb = summarise(b.getResults_asU8());
  for (const ns of [...new Set([...sa.keys(), ...sb.keys()])].sort()) {
    const x = sa.get(ns);
    const y = sb.get(ns);
    compareMaps(out, ns, x?.reads, y?.reads, ['read version mismatch', 'extraneous read', 'missing read']);
    compareMaps(out, ns, x?.writes, y?.writes, ['write value mismatch', 'extraneous write', 'missing write']);
    compareMaps(out, ns, x?.metadata, y?.metadata, [
      'metadata write mismatch',
      'metadata write mismatch',
      'metadata write mismatch',
    ]);
    compareMaps(out, ns, x?.collections, y?.collections, [
      'private collection hash mismatch',
      'private collection hash mismatch',
      'private collection hash mismatch',
    ]);
  }
  if (!Buffer.from(a.getEvents_asU8()).equals(Buffer.from(b.getEvents_asU8()))) {
    out.push({
      kind: 'chaincode event mismatch',
      detail: `${shorten(a.getEvents_asU8())} vs ${shorten(b.getEvents_asU8())}`,
    });
  }
  const ra = a.getResponse();
  const rb = b.getResponse();
  if (
    ra?.getStatus() !== rb?.getStatus() ||
    ra?.getMessage() !== rb?.getMessage() ||
    !Buffer.from(ra?.getPayload_asU8() ?? []).equals(Buffer.from(rb?.getPayload_asU8() ?? []))
  ) {
    const describe = (r: peer.Response | undefined): string =>
      `status ${r?.getStatus() ?? 0} payload "${shorten(r?.getPayload_asU8() ?? new Uint8Array())}"`;
    out.push({ kind: 'chaincode response mismatch', detail: `${describe(ra)} vs ${describe(rb)}` });
  }
  return out;
}

/** "ProposalResponsePayloads do not match: write value mismatch ns/key; …" — names every differing key. */
export function mismatchMessage(differences: readonly ResultDifference[]): string {
  const base = 'ProposalResponsePayloads do not match';
  if (differences.length === 0) return base;
  const parts = differences.map((d) =>
    d.key !== undefined
      ? `${d.kind} [${d.namespace ?? ''}] key [${d.key}]`
      : d.detail
        ? `${d.kind} (${d.detail})`
        : d.kind,
  );
  return `${base}: ${parts.join('; ')}`;
}
