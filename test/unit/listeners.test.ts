/**
 * Listener ergonomics (docs/api.md, Client members). on() returns its remover; an unknown event name throws
 * INVALID_PARAMS naming the known events (a typo must not fail silently); event$(name) is typed
 * to that event's payload. The client runs over an inline engine and the fake WebSocket.
 */
import type { Observable } from 'rxjs';
import { afterEach, beforeEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { createClientWith, type ChannelClient } from '../../src/client.js';
import { ChannelLinkError } from '../../src/errors.js';
import { inlineHostFromApi } from '../../src/host-inline.js';
import { PROTOCOL_VERSION } from '../../src/protocol.js';
import { CHANNEL_EVENT_NAMES, type ChannelEventName, type ChannelEventOf, type Uid } from '../../src/types.js';
import { createWorkerApi } from '../../worker/api.js';
import { TEST_OPTIONS, caught, createFakeEnv, flushMicrotasks, type FakeSocket } from './fakes.js';

function setup() {
  const { env, ws } = createFakeEnv();
  const client = createClientWith(() => (options, callbacks) => inlineHostFromApi(createWorkerApi(env), options, callbacks), {
    ...TEST_OPTIONS,
    url: TEST_OPTIONS.urls,
    worker: 'inline',
  });
  return { client, ws };
}

async function joined(client: ChannelClient, ws: { instances: FakeSocket[] }): Promise<FakeSocket> {
  const joining = client.join(null, 'room-1', 1);
  for (let i = 0; i < 20 && ws.instances.length === 0; i++) await flushMicrotasks();
  const socket = ws.instances[0]!;
  socket.open();
  socket.receiveFrame({ type: 'joined', v: PROTOCOL_VERSION, uid: 1, sessionId: 's', resumed: false, peers: [], tokenExpiresAt: null, serverTime: Date.now(), role: 'host', channel: { hosts: 1, audience: 0 } });
  await joining;
  return socket;
}

describe('listeners', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('on() returns a function that removes that listener (and only it)', async () => {
    const { client, ws } = setup();
    const first: Uid[] = [];
    const second: Uid[] = [];
    const off = client.on('peer-online', ({ uid }) => first.push(uid));
    client.on('peer-online', ({ uid }) => second.push(uid));
    expectTypeOf(off).toEqualTypeOf<() => void>();
    expect(typeof off).toBe('function');
    const socket = await joined(client, ws);
    socket.receivePresence({ type: 'peer-online', uid: 2 });
    await flushMicrotasks();
    off();
    off(); // removing twice is harmless
    socket.receivePresence({ type: 'peer-online', uid: 3 });
    await flushMicrotasks();
    expect(first).toEqual([2]);
    expect(second).toEqual([2, 3]);
  });

  it('on(), off() and event$() with an unknown event name throw INVALID_PARAMS naming the known events', () => {
    const { client } = setup();
    const misspelt = 'peer-joined' as ChannelEventName;
    for (const call of [() => client.on(misspelt, () => {}), () => client.off(misspelt, () => {}), () => client.event$(misspelt)]) {
      let error: unknown;
      try {
        call();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ChannelLinkError);
      expect((error as ChannelLinkError).code).toBe('INVALID_PARAMS');
      expect((error as ChannelLinkError).message).toContain('"peer-joined"');
      for (const name of CHANNEL_EVENT_NAMES) expect((error as ChannelLinkError).message).toContain(name);
    }
  });

  it('on() without a handler function throws INVALID_PARAMS', async () => {
    const { client } = setup();
    const error = await caught(() => client.on('peer-online', undefined as never));
    expect(error).toMatchObject({ code: 'INVALID_PARAMS' });
  });

  it("event$('stream-added') emits that event's payload, typed, with no cast or narrowing", async () => {
    const { client, ws } = setup();
    const added$ = client.event$('stream-added');
    expectTypeOf(added$).toEqualTypeOf<Observable<ChannelEventOf<'stream-added'>>>();
    const seen: string[] = [];
    added$.subscribe(({ uid, streamId }) => {
      expectTypeOf(uid).toEqualTypeOf<Uid>();
      expectTypeOf(streamId).toEqualTypeOf<string>();
      seen.push(`${uid}/${streamId}`);
    });
    client.event$('peer-leave').subscribe(({ reason }) => {
      expectTypeOf(reason).toEqualTypeOf<'QUIT' | 'SERVER_TIMEOUT' | 'BECOME_AUDIENCE' | 'KICKED'>();
      seen.push(reason);
    });
    const socket = await joined(client, ws);
    socket.receivePresence({ type: 'stream-added', uid: 2, streamId: 'cam' });
    socket.receivePresence({ type: 'peer-leave', uid: 2, reason: 'QUIT' });
    await flushMicrotasks();
    expect(seen).toEqual(['2/cam', 'QUIT']);
  });
});
