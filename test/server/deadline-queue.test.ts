import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeadlineQueue, type Deadline } from '../../server/deadline-queue.js';

interface Item extends Deadline {
  name: string;
}
const item = (name: string): Item => ({ name, due: 0, slot: -1 });

describe('DeadlineQueue (virtual time)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires every item at its deadline, in order, behind a single timer', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 1, maxLength: 200 }), (dues) => {
        const fired: [string, number][] = [];
        const queue = new DeadlineQueue<Item>(Date.now, (i) => fired.push([i.name, Date.now()]));
        const start = Date.now();
        dues.forEach((due, n) => queue.schedule(item(String(n)), start + due));
        expect(vi.getTimerCount()).toBe(1);
        vi.advanceTimersByTime(10_001);
        expect(fired.map(([, at]) => at - start)).toEqual([...dues].sort((a, b) => a - b));
        for (const [name, at] of fired) expect(at - start).toBe(dues[Number(name)]);
        expect(queue.size).toBe(0);
        expect(vi.getTimerCount()).toBe(0);
      }),
      { numRuns: 50 },
    );
  });

  it('moves a queued item, cancels one, and fires nothing after clear()', () => {
    const fired: string[] = [];
    const queue = new DeadlineQueue<Item>(Date.now, (i) => fired.push(`${i.name}@${Date.now()}`));
    const [a, b, c] = [item('a'), item('b'), item('c')];
    queue.schedule(a, 100);
    queue.schedule(b, 200);
    queue.schedule(c, 300);
    queue.schedule(a, 250); // moved later
    queue.cancel(b);
    vi.advanceTimersByTime(260);
    expect(fired).toEqual(['a@250']);
    queue.schedule(b, 400); // an item that fired or was cancelled can be queued again
    queue.clear();
    vi.advanceTimersByTime(1000);
    expect(fired).toEqual(['a@250']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('an item rescheduled from its own callback fires again later', () => {
    const fired: number[] = [];
    const a = item('a');
    const queue = new DeadlineQueue<Item>(Date.now, (i) => {
      fired.push(Date.now());
      if (fired.length < 3) queue.schedule(i, Date.now() + 100);
    });
    queue.schedule(a, 100);
    vi.advanceTimersByTime(1000);
    expect(fired).toEqual([100, 200, 300]);
  });

  it('waits beyond the setTimeout range in steps', () => {
    const fired: number[] = [];
    const queue = new DeadlineQueue<Item>(Date.now, () => fired.push(Date.now()));
    const far = 40 * 24 * 3600 * 1000;
    queue.schedule(item('far'), far);
    vi.advanceTimersByTime(far + 1);
    expect(fired).toEqual([far]);
  });
});
