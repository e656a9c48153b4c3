import { Batcher } from '../../src/orderer/batcher';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('Batcher (block cutter)', () => {
  it('cuts a block at once when idle and batches what arrives while a block commits', async () => {
    const blocks: number[][] = [];
    const gates: { resolve: () => void }[] = [];
    const batcher = new Batcher<number>(
      { batchSize: 10, batchTimeoutMs: 60_000 },
      async (batch) => {
        blocks.push(batch);
        const gate = deferred();
        gates.push(gate);
        await gate.promise;
      },
      (err) => {
        throw err;
      },
    );
    batcher.enqueue(1);
    expect(blocks).toEqual([[1]]);
    batcher.enqueue(2);
    batcher.enqueue(3);
    expect(blocks).toHaveLength(1);
    gates[0]?.resolve();
    await new Promise((r) => setImmediate(r));
    expect(blocks).toEqual([[1], [2, 3]]);
    gates[1]?.resolve();
    await batcher.idle();
  });

  it('never puts more than batchSize transactions in a block', async () => {
    const blocks: number[][] = [];
    let release: (() => void) | undefined;
    const batcher = new Batcher<number>(
      { batchSize: 2, batchTimeoutMs: 60_000 },
      async (batch) => {
        blocks.push(batch);
        if (blocks.length === 1) await new Promise<void>((r) => (release = r));
      },
      () => undefined,
    );
    for (let i = 0; i < 5; i++) batcher.enqueue(i);
    release?.();
    await batcher.idle();
    expect(blocks).toEqual([[0], [1, 2], [3, 4]]);
  });

  it('in Fabric mode cuts by size, else when the batch timeout expires', async () => {
    jest.useFakeTimers();
    try {
      const blocks: number[][] = [];
      const batcher = new Batcher<number>(
        { batchSize: 3, batchTimeoutMs: 100, cutWhenIdle: false },
        async (batch) => {
          blocks.push(batch);
        },
        () => undefined,
      );
      batcher.enqueue(1);
      batcher.enqueue(2);
      expect(blocks).toEqual([]);
      batcher.enqueue(3);
      expect(blocks).toEqual([[1, 2, 3]]);
      await Promise.resolve();
      await Promise.resolve();
      batcher.enqueue(4);
      expect(blocks).toHaveLength(1);
      jest.advanceTimersByTime(100);
      expect(blocks).toEqual([[1, 2, 3], [4]]);
    } finally {
      jest.useRealTimers();
    }
  });
});
