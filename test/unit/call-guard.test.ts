import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CallGuard } from '../../src/call-guard.js';
import { ChannelLinkError } from '../../src/errors.js';

/** A promise the test settles by hand. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('CallGuard', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resolves with the call result and clears its timer', async () => {
    const guard = new CallGuard();
    const d = deferred<number>();
    const p = guard.run(() => d.promise, 1000, 'thing');
    expect(vi.getTimerCount()).toBe(1);
    d.resolve(42);
    await expect(p).resolves.toBe(42);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a failing call rejects with a ChannelLinkError, keeping a known code', async () => {
    const guard = new CallGuard();
    await expect(guard.run(() => Promise.reject(new Error('crash')), 1000, 'x')).rejects.toMatchObject({ code: 'WORKER_FAILED' });
    await expect(guard.run(() => Promise.reject(new ChannelLinkError('NOT_PUBLISHED', 'no')), 1000, 'x')).rejects.toMatchObject({
      code: 'NOT_PUBLISHED',
    });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('times out with TIMEOUT, and a late answer is ignored', async () => {
    const guard = new CallGuard();
    const d = deferred<string>();
    const p = guard.run(() => d.promise, 1000, 'join');
    let settled = false;
    const outcome = p.then(
      () => 'resolved',
      (e: ChannelLinkError) => e,
    );
    void outcome.then(() => (settled = true));
    vi.advanceTimersByTime(999);
    await Promise.resolve();
    await Promise.resolve();
    expect(settled).toBe(false);
    vi.advanceTimersByTime(1);
    const error = await outcome;
    expect(error).toBeInstanceOf(ChannelLinkError);
    expect((error as ChannelLinkError).code).toBe('TIMEOUT');
    expect((error as ChannelLinkError).message).toMatch(/join/);
    d.resolve('late');
    await Promise.resolve();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('close() rejects pending calls and every later call with the given code', async () => {
    const guard = new CallGuard();
    const a = guard.run(() => new Promise<never>(() => {}), 10_000, 'a');
    const b = guard.run(() => new Promise<never>(() => {}), 10_000, 'b');
    guard.close('CLOSED', 'client destroyed');
    await expect(a).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(b).rejects.toMatchObject({ code: 'CLOSED' });
    expect(vi.getTimerCount()).toBe(0);
    const call = vi.fn(() => Promise.resolve(1));
    await expect(guard.run(call, 1000, 'later')).rejects.toMatchObject({ code: 'CLOSED' });
    expect(call).not.toHaveBeenCalled();
    expect(guard.closedError?.code).toBe('CLOSED');
    // The first close wins.
    guard.close('WORKER_FAILED', 'crash');
    await expect(guard.run(call, 1000, 'later')).rejects.toMatchObject({ code: 'CLOSED' });
  });
});
