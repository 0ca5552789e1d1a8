/**
 * RemoteStreamRouter (docs/api.md, Streams): one subscription per stream, the same RemoteStream
 * while it lives, and after a comeback (stream-removed, then stream-added) a new one that takes
 * the messages over when first listened to, so the naive pattern gets each message once.
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

  test('after a comeback: a new RemoteStream; the old one keeps the messages until the new one is listened to, then completes', async () => {
    const router = new RemoteStreamRouter();
    const first = await router.subscribe(1, 's', confirmed);
    const old = listen(first);
    router.note(removed);
    router.note(added);
    const [second, again] = await Promise.all([router.subscribe(1, 's', confirmed), router.subscribe(1, 's', confirmed)]);
    expect(second).not.toBe(first);
    expect(again).toBe(second);
    router.deliver(msg('1'));
    expect(old.got).toEqual(['1']);
    const fresh = listen(second);
    expect(old.completed).toBe(true);
    router.deliver(msg('2'));
    expect(old.got).toEqual(['1']);
    expect(fresh.got).toEqual(['2']);
    // A second listener of the new one is an ordinary extra listener.
    const extra = listen(second);
    router.deliver(msg('3'));
    expect([fresh.got, extra.got]).toEqual([['2', '3'], ['3']]);
  });

  test('an app that keeps its first RemoteStream and never listens to the later ones still gets every message', async () => {
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

  test('close(): any live RemoteStream of the subscription ends it (all complete); a handed-over or ended one does nothing', async () => {
    const router = new RemoteStreamRouter();
    const first = await router.subscribe(1, 's', confirmed);
    const firstState = listen(first);
    router.note(removed);
    router.note(added);
    const second = await router.subscribe(1, 's', confirmed);
    // Not yet listened to: both live; closing the old one ends the subscription.
    expect(router.close(first)).toBe(true);
    expect(firstState.completed).toBe(true);
    expect(listen(second).completed).toBe(true);
    expect(router.close(second)).toBe(false);

    const third = await router.subscribe(1, 's', confirmed);
    expect(third).not.toBe(first);
    router.note(removed);
    router.note(added);
    const fourth = await router.subscribe(1, 's', confirmed);
    listen(fourth);
    // `third` was handed over: closing it leaves the subscription alone.
    expect(router.close(third)).toBe(false);
    const state = listen(fourth);
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
