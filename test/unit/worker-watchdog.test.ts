import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { WorkerWatchdog } from '../../src/worker-watchdog.js';

const options = { intervalMs: 1000, timeoutMs: 500 };

describe('WorkerWatchdog', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  test('a worker that answers is never reported', async () => {
    const onDead = vi.fn();
    const probe = vi.fn(() => Promise.resolve('ok'));
    const dog = new WorkerWatchdog(probe, onDead, options);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(probe).toHaveBeenCalledTimes(10);
    expect(onDead).not.toHaveBeenCalled();
    dog.stop();
  });

  test('one late answer is forgiven (a frozen main thread), two in a row are not', async () => {
    const onDead = vi.fn();
    let calls = 0;
    const probe = () => (++calls === 1 ? new Promise(() => {}) : Promise.resolve());
    const dog = new WorkerWatchdog(probe, onDead, options);
    await vi.advanceTimersByTimeAsync(5000);
    expect(onDead).not.toHaveBeenCalled();
    dog.stop();

    const silent = new WorkerWatchdog(() => new Promise(() => {}), onDead, options);
    await vi.advanceTimersByTimeAsync(1000 + 500 + 499);
    expect(onDead).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(onDead).toHaveBeenCalledTimes(1);
    silent.stop();
  });

  test('stop() ends probing and leaves no timer behind', async () => {
    const probe = vi.fn(() => Promise.resolve());
    const dog = new WorkerWatchdog(probe, () => {}, options);
    dog.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(probe).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });
});
