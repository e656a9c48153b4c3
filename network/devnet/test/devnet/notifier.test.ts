import { common } from '@hyperledger/fabric-protos';
import { CommitNotifier } from '../../src/peer/notifier';

function block(n: number): common.Block {
  const header = new common.BlockHeader();
  header.setNumber(n);
  const b = new common.Block();
  b.setHeader(header);
  return b;
}

describe('CommitNotifier', () => {
  it('resolves a registered commit-status waiter with code and block number', async () => {
    const notifier = new CommitNotifier(1);
    const wait = notifier.waitForTransaction('tx1');
    notifier.blockCommitted(block(1), [{ txId: 'tx1', code: 11 }]);
    await expect(wait.promise).resolves.toEqual({ code: 11, blockNumber: 1 });
    expect(notifier.height).toBe(2);
  });

  it('wakes block waiters when the block arrives, and on abort or close with false', async () => {
    const notifier = new CommitNotifier(1);
    await expect(notifier.waitForBlock(0)).resolves.toBe(true);
    const later = notifier.waitForBlock(1);
    notifier.blockCommitted(block(1), []);
    await expect(later).resolves.toBe(true);
    const controller = new AbortController();
    const aborted = notifier.waitForBlock(5, controller.signal);
    controller.abort();
    await expect(aborted).resolves.toBe(false);
    const closed = notifier.waitForBlock(5);
    notifier.close();
    await expect(closed).resolves.toBe(false);
  });
});
