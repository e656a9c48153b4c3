import type { ShardGenerator, ShardRotationScheduler } from '../../src/shards/generator';
import { shardsHealthCheck } from '../../src/shards/health';

/** Stand-ins with only what the check reads: the generator's key list and the scheduler's due times. */
function fleet(
  ids: () => string[],
  due: Readonly<Record<string, { rotateAt?: number; collectAt?: number }>>,
): { generator: ShardGenerator; scheduler: ShardRotationScheduler } {
  const generator = { deviceIds: ids } as unknown as ShardGenerator;
  const scheduler = {
    dueTimes: (id: string) => due[id],
    trackedDevices: Object.keys(due).length,
  } as unknown as ShardRotationScheduler;
  return { generator, scheduler };
}

const NOW = 1_000_000_000;

describe('shards health check', () => {
  it('is ok with the fleet size when no rotation is overdue', async () => {
    const { generator, scheduler } = fleet(() => ['a', 'b'], { a: { rotateAt: NOW + 1 }, b: {} });
    const finding = await shardsHealthCheck(generator, scheduler, { now: () => NOW }).check();
    expect(finding).toEqual({
      status: 'ok',
      data: { devices: 2, tracked: 2, overdueRotations: 0 },
    });
  });

  it('is degraded when a rotation is overdue by more than ten ticks (at least 30 s)', async () => {
    const { generator, scheduler } = fleet(() => ['a', 'b'], {
      a: { rotateAt: NOW - 29_000 },
      b: { rotateAt: NOW - 31_000 },
    });
    const finding = await shardsHealthCheck(generator, scheduler, { now: () => NOW }).check();
    expect(finding).toMatchObject({
      status: 'degraded',
      detail: expect.stringMatching(/1 device rotation\(s\) overdue by more than 30000 ms \(e\.g\. b\)/),
    });
    // A slow tick widens the allowance: 10 × 5 s.
    const slow = await shardsHealthCheck(generator, scheduler, { now: () => NOW, tickMs: 5_000 }).check();
    expect(slow).toMatchObject({ status: 'ok' });
  });

  it('fails when the generator’s token cannot be used', () => {
    const { generator, scheduler } = fleet(() => {
      throw new Error('CKR_SESSION_HANDLE_INVALID');
    }, {});
    expect(() => shardsHealthCheck(generator, scheduler).check()).toThrow(/CKR_SESSION_HANDLE_INVALID/);
  });
});
