/**
 * Child process for the kill -9 test: commits blocks forever (one tx each, writing `k<n>` and `counter`, with private
 * data every third block) and reports each committed height to the parent, which kills it at some point.
 */
import { Ledger } from '../../../src/ledger';
import { buildConfigTxEnvelope, commitEnvelopes, simulateTx } from '../../../src/ledger/testing';

async function main(): Promise<void> {
  const dir = process.argv[2] as string;
  const ledger = await Ledger.open(dir, { channelId: 'crashchannel' });
  if (ledger.height === 0) await commitEnvelopes(ledger, [buildConfigTxEnvelope('crashchannel')]);
  for (;;) {
    const n = ledger.height;
    const tx = simulateTx(
      ledger,
      `crash-${n}`,
      (s) => {
        s.setState('cc', `k${n}`, new TextEncoder().encode(String(n)));
        s.setState('cc', 'counter', new TextEncoder().encode(String(n)));
        if (n % 3 === 0) s.setPrivateData('cc', 'coll', `p${n}`, new TextEncoder().encode(`secret${n}`));
      },
      { timestampMillis: n * 1000 },
    );
    const privateData = tx.results.privateRwSet ? new Map([[tx.txId, tx.results.privateRwSet]]) : undefined;
    await commitEnvelopes(ledger, [tx.envelope], privateData ? { privateData } : {});
    process.send?.({ committed: ledger.height });
  }
}

main().catch((e: unknown) => {
  process.send?.({ error: String(e) });
  process.exit(1);
});
