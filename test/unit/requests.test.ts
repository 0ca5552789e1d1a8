import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChannelLinkError } from '../../src/errors.js';
import { realTimers } from '../../worker/env.js';
import { PendingRequests } from '../../worker/requests.js';

describe('PendingRequests', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends with fresh ids and settles by id; unknown ids are ignored', async () => {
    const requests = new PendingRequests(realTimers);
    const ids: number[] = [];
    const a = requests.create((id) => (ids.push(id), true), 1000);
    const b = requests.create((id) => (ids.push(id), true), 1000);
    expect(new Set(ids).size).toBe(2);
    requests.settle(999);
    requests.settle(ids[1]!, undefined);
    requests.settle(ids[0]!, new ChannelLinkError('NOT_PUBLISHED', 'no'));
    await expect(b).resolves.toBeUndefined();
    await expect(a).rejects.toMatchObject({ code: 'NOT_PUBLISHED' });
    expect(requests.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('times out with TIMEOUT', async () => {
    const requests = new PendingRequests(realTimers);
    const p = requests.create(() => true, 500);
    const outcome = p.catch((e: unknown) => e);
    vi.advanceTimersByTime(500);
    expect(await outcome).toMatchObject({ code: 'TIMEOUT' });
    expect(requests.size).toBe(0);
  });

  it('a send that fails rejects NETWORK_ERROR at once', async () => {
    const requests = new PendingRequests(realTimers);
    await expect(requests.create(() => false, 500)).rejects.toMatchObject({ code: 'NETWORK_ERROR' });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejectAll rejects every pending request with the code and clears the timers', async () => {
    const requests = new PendingRequests(realTimers);
    const all = [requests.create(() => true, 500), requests.create(() => true, 500)].map((p) => p.catch((e: unknown) => e));
    requests.rejectAll('CLOSED', 'bye');
    for (const outcome of await Promise.all(all)) expect(outcome).toMatchObject({ code: 'CLOSED' });
    expect(vi.getTimerCount()).toBe(0);
  });
});
