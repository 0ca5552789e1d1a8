/**
 * RemoteStreamRouter (docs/api.md, Streams): one subscription per stream, the same RemoteStream
 * while it lives, and after a comeback (stream-removed, then stream-added) the next listener of its
 * messages$ takes the messages over, so the naive pattern gets each message once.
 */
import { describe, expect, test } from 'vitest';
import type { RemoteStream } from '../../src/streams.js';
import { RemoteStreamRouter } from '../../src/streams.js';

const confirmed = () => Promise.resolve();
const msg = (data: string) => ({ uid: 1, streamId: 's', data });
const removed = { type: 'stream-removed', uid: 1, streamId: 's', reason: 'NO_DATA' } as const;
const added = { type: 'stream-added', uid: 1, streamId: 's' } as const;

function listen(remote: RemoteStream) {
  const got: unknown[] = [];
  const state = { got, completed: false };
  remote.messages$.subscribe({ next: ({ data }) => got.push(data), complete: () => (state.completed = true) });
  return state;
}

describe('RemoteStreamRouter', () => {
  test('the naive pattern (subscribe and listen on every stream-added) gets each message once across comebacks', async () => {
    const router = new RemoteStreamRouter();
    let engineCalls = 0;
    const confirm = () => (engineCalls++, Promise.resolve());
    const got: unknown[] = [];
    const onAdded = async () => (await router.subscribe(1, 's', confirm)).messages$.subscribe(({ data }) => got.push(data));
    router.note(added);
    await onAdded();
    router.deliver(msg('a'));
    for (const data of ['b', 'c']) {
      router.note(removed);
      router.deliver(msg(`${data}-while-removed`));
      router.note(added);
      await onAdded();
      router.deliver(msg(data));
    }
    expect(got).toEqual(['a', 'b-while-removed', 'b', 'c-while-removed', 'c']);
    expect(engineCalls).toBe(1);
  });

  test('the same RemoteStream while subscribed, also to concurrent calls; a stream-added without a removal changes nothing', async () => {
    const router = new RemoteStreamRouter();
    const [a, b] = await Promise.all([router.subscribe(1, 's', confirmed), router.subscribe(1, 's', confirmed)]);
    expect(b).toBe(a);
    router.note(added);
    expect(await router.subscribe(1, 's', confirmed)).toBe(a);
  });

  test('after a comeback: the same RemoteStream; its next listener takes over and the earlier ones complete', async () => {
    const router = new RemoteStreamRouter();
    const first = await router.subscribe(1, 's', confirmed);
    const old = listen(first);
    router.note(removed);
    router.note(added);
    const [second, again] = await Promise.all([router.subscribe(1, 's', confirmed), router.subscribe(1, 's', confirmed)]);
    expect(second).toBe(first);
    expect(again).toBe(first);
    router.deliver(msg('1'));
    expect(old.got).toEqual(['1']);
    const fresh = listen(second);
    expect(old.completed).toBe(true);
    router.deliver(msg('2'));
    expect(old.got).toEqual(['1']);
    expect(fresh.got).toEqual(['2']);
    // Until the next comeback, another listener is an ordinary extra listener.
    const extra = listen(second);
    router.deliver(msg('3'));
    expect([fresh.got, extra.got]).toEqual([['2', '3'], ['3']]);
  });

  test('an app that keeps listening all along, and never listens again, gets every message', async () => {
    const router = new RemoteStreamRouter();
    const first = listen(await router.subscribe(1, 's', confirmed));
    for (let n = 0; n < 3; n++) {
      router.note(removed);
      router.note(added);
      await router.subscribe(1, 's', confirmed);
      router.deliver(msg(String(n)));
    }
    expect(first).toEqual({ got: ['0', '1', '2'], completed: false });
  });

  test('close() ends the subscription (every listener completes); an ended RemoteStream does nothing', async () => {
    const router = new RemoteStreamRouter();
    const first = await router.subscribe(1, 's', confirmed);
    const firstState = listen(first);
    expect(router.close(first)).toBe(true);
    expect(firstState.completed).toBe(true);
    expect(router.close(first)).toBe(false);
    // A new subscription is a new RemoteStream; the ended one cannot end it.
    const second = await router.subscribe(1, 's', confirmed);
    expect(second).not.toBe(first);
    const state = listen(second);
    expect(router.close(first)).toBe(false);
    router.deliver(msg('x'));
    expect(state.got).toEqual(['x']);
    router.closeAll();
    expect(state.completed).toBe(true);
  });

  test('a refused subscribe ends the entry: the next call asks the engine again', async () => {
    const router = new RemoteStreamRouter();
    const refusal = new Error('NOT_PUBLISHED');
    await expect(router.subscribe(1, 's', () => Promise.reject(refusal))).rejects.toBe(refusal);
    let asked = false;
    await router.subscribe(1, 's', () => ((asked = true), Promise.resolve()));
    expect(asked).toBe(true);
  });
});
