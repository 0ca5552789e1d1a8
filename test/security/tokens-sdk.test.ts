/**
 * Tokens end to end with the SDK (built package, engine on worker_threads): join refusals,
 * token-privilege-will-expire + renewToken(), expiry without renewal, and a reconnect after an
 * outage presenting the renewed token.
 */
import { describe, expect, test } from 'vitest';
import { createToken } from 'channel-link/server';
import type { ChannelEvent } from 'channel-link';
import { proxyTo, testClient, testServer } from '../integration/harness.js';
import { quietPeriod } from '../server/raw-client.js';
import { waitFor } from '../support/wait-for.js';
import { CERT } from './helpers.js';

const tokenFor = (channel: string, uid: number, seconds: number, now?: number) =>
  createToken({ appId: 'default', appCertificate: CERT, channel, uid, expiresInSeconds: seconds, ...(now === undefined ? {} : { now }) });

const isState = (cur: string, reason?: string) => (e: ChannelEvent) =>
  e.type === 'connection-state-change' && e.curState === cur && (reason === undefined || e.reason === reason);

describe('tokens with the SDK', () => {
  test.each([
    ['no token', () => null],
    ['a token for another uid', () => tokenFor('sdk-tok', 2, 60)],
    ['a forged token', () => `${tokenFor('sdk-tok', 1, 60).slice(0, -4)}AAAA`],
  ])('join with %s rejects INVALID_TOKEN and ends DISCONNECTED (INVALID_TOKEN)', async (_name, make) => {
    const server = await testServer({ appCertificate: CERT });
    const c = testClient(server.url);
    await expect(c.client.join(make(), 'sdk-tok', 1)).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
    expect(c.client.getConnectionState()).toBe('DISCONNECTED');
    expect(c.log('connection-state-change').at(-1)).toBe('state CONNECTING->DISCONNECTED INVALID_TOKEN');
    expect(server.stats().members).toBe(0);
  });

  test('join with an expired token rejects TOKEN_EXPIRED and ends DISCONNECTED (TOKEN_EXPIRE)', async () => {
    const server = await testServer({ appCertificate: CERT });
    const c = testClient(server.url);
    const expired = tokenFor('sdk-tok', 1, 10, Date.now() - 11_000);
    await expect(c.client.join(expired, 'sdk-tok', 1)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
    expect(c.log('connection-state-change').at(-1)).toBe('state CONNECTING->DISCONNECTED TOKEN_EXPIRE');
  });

  test('token-privilege-will-expire, then renewToken() keeps the client connected past the first expiry', async () => {
    const server = await testServer({ appCertificate: CERT, tokenWillExpireMs: 500 });
    const c = testClient(server.url);
    c.client.on('token-privilege-will-expire', () => void c.client.renewToken(tokenFor('renew', 1, 60)));
    const issued = Date.now();
    await c.client.join(tokenFor('renew', 1, 1, issued), 'renew', 1);
    await c.waitForEvent((e) => e.type === 'token-privilege-will-expire', 2000);
    await waitFor(() => Date.now() > issued + 1500, { timeoutMs: 3000 });
    await quietPeriod(200);
    expect(c.client.getConnectionState()).toBe('CONNECTED');
    expect(c.log()).not.toContain('token-privilege-did-expire');
    expect(c.log('connection-state-change')).toEqual(['state DISCONNECTED->CONNECTING JOIN', 'state CONNECTING->CONNECTED JOINED']);
  });

  test('without renewal: token-privilege-did-expire, DISCONNECTED (TOKEN_EXPIRE), no reconnect; the peer sees QUIT', async () => {
    const server = await testServer({ appCertificate: CERT, tokenWillExpireMs: 300 });
    const c = testClient(server.url);
    const peer = testClient(server.url);
    await peer.client.join(tokenFor('expire', 2, 60), 'expire', 2);
    await c.client.join(tokenFor('expire', 1, 0.8), 'expire', 1);
    await c.waitForEvent(isState('DISCONNECTED'), 3000);
    expect(c.log().slice(-3)).toEqual(['token-privilege-will-expire', 'token-privilege-did-expire', 'state CONNECTED->DISCONNECTED TOKEN_EXPIRE']);
    await peer.waitForEvent((e) => e.type === 'peer-leave', 2000);
    expect(peer.log('peer-leave')).toEqual(['peer-leave 1 QUIT']);
    await quietPeriod(600); // several reconnect delays: nothing may happen
    expect(c.log('connection-state-change').at(-1)).toBe('state CONNECTED->DISCONNECTED TOKEN_EXPIRE');
    expect(server.stats()).toMatchObject({ members: 1, sockets: 1 });
  });

  test('a reconnect after an outage presents the renewed token, not the expired one', async () => {
    const server = await testServer({ appCertificate: CERT, tokenWillExpireMs: 0, peerTimeoutMs: 10_000, streamTimeoutMs: 10_000 });
    const proxy = await proxyTo(server);
    const c = testClient(proxy.url());
    const issued = Date.now();
    await c.client.join(tokenFor('outage', 1, 1.2, issued), 'outage', 1);
    await c.client.renewToken(tokenFor('outage', 1, 60));
    proxy.blackhole('both');
    await c.waitForEvent(isState('CONNECTING'), 3000);
    await waitFor(() => Date.now() > issued + 1500, { timeoutMs: 3000 }); // the first token is dead now
    proxy.restore();
    await c.waitForEvent(isState('CONNECTED', 'RECONNECTED'), 5000);
    expect(c.log()).not.toContain('token-privilege-did-expire');
    expect(server.stats()).toMatchObject({ members: 1, sessions: 1 });
  });
});
