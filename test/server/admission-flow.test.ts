/**
 * docs/operations.md, Admission control, against a real server on port 0 with real sockets: a node
 * at its `maxJoinsInFlight` queues as many more joins and defers the rest with SERVER_BUSY and a
 * wait (docs/protocol.md, Close codes); the SDK comes back after the wait and gets in; resumes go
 * before fresh joins; a resume deferred for longer than the peer timeout keeps its session, so
 * peers see nothing; the counters and /metrics say what happened. The store holds its joins back
 * on demand, so that joins are truly in flight at once (on the plain in-memory store a join
 * completes within one turn of the event loop).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode, PROTOCOL_VERSION } from '../../src/protocol.js';
import { MemoryChannelStore, startServer, type ChannelLinkServer, type JoinRequest, type JoinResult, type ServerOptions } from '../../server/index.js';
import { onCleanup, proxyTo, testClient } from '../integration/harness.js';
import { parseExposition, sampleValue } from '../support/prometheus.js';
import { waitFor } from '../support/wait-for.js';
import { RawClient, TEST_TIMEOUTS, uniqueChannel, until } from './raw-client.js';

/** An in-memory store whose joins wait while it is held. */
class HeldStore extends MemoryChannelStore {
  private gate: Promise<void> | null = null;
  private opened: () => void = () => {};
  /** Joins waiting in the store now. */
  waiting = 0;

  hold(): void {
    this.gate = new Promise((resolve) => (this.opened = resolve));
  }

  release(): void {
    this.gate = null;
    this.opened();
  }

  override async join(request: JoinRequest): Promise<JoinResult> {
    if (this.gate) {
      this.waiting++;
      await this.gate;
      this.waiting--;
    }
    return super.join(request);
  }
}

const raws: RawClient[] = [];
afterEach(() => {
  for (const raw of raws.splice(0)) raw.terminate();
});

async function setup(options: ServerOptions = {}): Promise<{ server: ChannelLinkServer; store: HeldStore }> {
  const store = new HeldStore();
  const server = await startServer({ port: 0, logLevel: 'silent', maxJoinsInFlight: 1, metrics: true, store, ...options });
  onCleanup(() => server.close());
  return { server, store };
}

/** A raw socket that sends its join and does not wait for the answer. */
async function sendJoin(url: string, channel: string, uid: number, sessionId?: string): Promise<RawClient> {
  const raw = await RawClient.connect(url);
  raws.push(raw);
  raw.send({ type: 'join', v: PROTOCOL_VERSION, appId: 'test', channel, uid, token: null, ...(sessionId ? { sessionId } : {}), role: 'host', streams: [], subscriptions: [] });
  return raw;
}

/** The deferral a raw client got: the error frame with its wait, then the close. */
async function deferral(raw: RawClient): Promise<{ retryAfterMs: number; close: { code: number; reason: string } }> {
  const error = await raw.next('error');
  expect(error).toMatchObject({ code: 'SERVER_BUSY', message: expect.stringContaining('server busy') });
  return { retryAfterMs: error.retryAfterMs!, close: await raw.waitClosed() };
}

/** A session whose socket is gone (it waits to resume or time out), and its id. */
async function droppedSession(url: string, channel: string, uid: number): Promise<string> {
  const { client, joined } = await RawClient.joined(url, { channel, uid });
  client.terminate();
  return joined.sessionId;
}

describe('admission control', () => {
  it('at the limit, as many more joins wait and the rest are deferred: SERVER_BUSY with a wait, then close 4453; the SDK comes back after it and gets in', async () => {
    const { server, store } = await setup();
    const channel = uniqueChannel('busy');
    store.hold();
    const inFlight = await sendJoin(server.url, channel, 1);
    await until(() => store.waiting === 1, 'the first join in the store');
    const queued = await sendJoin(server.url, channel, 2);
    await until(() => server.stats().admission.queued === 1, 'the second join queued');
    const deferred = await sendJoin(server.url, channel, 3);
    const verdict = await deferral(deferred);
    expect(verdict.retryAfterMs).toBeGreaterThanOrEqual(100);
    expect(verdict.retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(verdict.close).toEqual({ code: CloseCode.SERVER_BUSY, reason: `server busy: try again in ${verdict.retryAfterMs} ms` });
    expect(server.stats().admission).toEqual({ inFlight: 1, queued: 1 });

    // The SDK is deferred too, and says so; once the node has room it is in.
    const sdk = testClient(server.url);
    const joining = sdk.client.join(null, channel, 4);
    const failed = await sdk.waitForEvent((e) => e.type === 'connection-attempt-failed');
    expect(failed).toMatchObject({ code: 'NETWORK_ERROR', message: expect.stringMatching(/close 4453: server busy: try again in \d+ ms/) });
    store.release();
    await Promise.all([inFlight.next('joined'), queued.next('joined')]);
    await expect(joining).resolves.toBe(4);
    expect(sdk.client.getConnectionState()).toBe('CONNECTED');

    const counters = server.stats().counters;
    expect(counters.deferredJoins).toBeGreaterThanOrEqual(2);
    expect(counters.admittedJoins).toBe(3);
    expect(counters.joinsFresh).toBe(3);
    const exposition = parseExposition(await (await fetch(server.metricsUrl!)).text());
    expect(sampleValue(exposition, 'channel_link_joins_admitted_total', { kind: 'join' })).toBe(3);
    expect(sampleValue(exposition, 'channel_link_joins_deferred_total', { kind: 'join' })).toBe(counters.deferredJoins);
    expect(sampleValue(exposition, 'channel_link_joins_deferred_total', { kind: 'resume' })).toBe(0);
    expect(sampleValue(exposition, 'channel_link_joins_in_flight')).toBe(server.stats().admission.inFlight);
  });

  it('resumes go first: a resume takes the place of a waiting fresh join, fresh joins are deferred while it waits, and it gets the next slot', async () => {
    const { server, store } = await setup();
    const channel = uniqueChannel('first');
    const observer = (await RawClient.joined(server.url, { channel, uid: 9 })).client;
    raws.push(observer);
    const sessionId = await droppedSession(server.url, channel, 5);
    await observer.next('peer-online');
    observer.clear();
    store.hold();
    const inFlight = await sendJoin(server.url, uniqueChannel('other'), 1);
    await until(() => store.waiting === 1, 'the first join in the store');
    const fresh = await sendJoin(server.url, channel, 2);
    await until(() => server.stats().admission.queued === 1, 'the fresh join queued');
    const resume = await sendJoin(server.url, channel, 5, sessionId);
    // The queue (as long as the limit: 1) was full of a fresh join: that one is deferred.
    expect((await deferral(fresh)).close.code).toBe(CloseCode.SERVER_BUSY);
    const later = await sendJoin(server.url, channel, 3);
    expect((await deferral(later)).close.code).toBe(CloseCode.SERVER_BUSY);
    store.release();
    await inFlight.next('joined');
    expect(await resume.next('joined')).toMatchObject({ resumed: true, sessionId });
    await observer.ping();
    // Uid 5 came back as it left: nobody hears of it; nor of the deferred ones, which never joined.
    expect(observer.events()).toEqual([]);
    expect(server.stats().counters).toMatchObject({ admittedResumes: 1, admittedJoins: 3, deferredJoins: 2, deferredResumes: 0, joinsResumed: 1 });
  });

  it('a resume deferred for longer than the peer timeout keeps its session: the client resumes and its peers see nothing', async () => {
    const { server, store } = await setup({ ...TEST_TIMEOUTS });
    const channel = uniqueChannel('keep');
    const peer = testClient(server.url);
    await peer.client.join(null, channel, 1);
    const proxy = await proxyTo(server);
    const mover = testClient(proxy.url());
    await mover.client.join(null, channel, 2);
    await peer.waitForEvent((e) => e.type === 'peer-online' && e.uid === 2, 5000, 'the mover online');
    // The slot and the queue taken (the queue by a resume, which no other resume displaces).
    const elsewhere = uniqueChannel('elsewhere');
    const otherSession = await droppedSession(server.url, elsewhere, 7);
    store.hold();
    await sendJoin(server.url, elsewhere, 8);
    await until(() => store.waiting === 1, 'a join in the store');
    await sendJoin(server.url, elsewhere, 7, otherSession);
    await until(() => server.stats().admission.queued === 1, 'a resume queued');

    proxy.drop();
    await mover.waitForEvent((e) => e.type === 'connection-state-change' && e.curState === 'CONNECTING', 5000, 'the mover reconnecting');
    // Deferred again and again, each time after the wait it was given, for well past peerTimeoutMs (600 ms):
    // every wait is at least 100 ms.
    const deferrals = () => mover.events.filter((e) => e.type === 'connection-attempt-failed' && e.message.includes('close 4453')).length;
    await waitFor(() => deferrals() >= 10, { timeoutMs: 10_000, message: 'ten deferrals of the resume' });
    expect(server.stats().counters.deferredResumes).toBeGreaterThanOrEqual(10);
    store.release();
    const back = await mover.waitForEvent((e) => e.type === 'connected' && e.resumed, 5000, 'the resume');
    expect(back).toMatchObject({ resumed: true });
    expect(mover.client.getConnectionState()).toBe('CONNECTED');
    expect(peer.log('peer-leave', 'peer-online')).toEqual(['peer-online 2']);
    expect([...peer.peers().keys()]).toEqual([2]);
  });
});
