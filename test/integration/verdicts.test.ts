/**
 * Verdicts that end a stay (docs/api.md, Connection state reasons), against a real server: each verdict row the server can reach, through each
 * path it can reach (a refused join, a refused reconnect, a joined session ended), gives the same
 * error code, state-change reason and `token-privilege-did-expire`, and no reconnect. The rows are
 * written out here (test/unit/verdicts.test.ts drives every row and path through the engine).
 */
import { describe, expect, test } from 'vitest';
import { createToken } from 'channel-link/server';
import type { ChannelEvent } from 'channel-link';
import { quietPeriod } from '../server/raw-client.js';
import { waitFor } from '../support/wait-for.js';
import { proxyTo, testClient, testServer, type TestClient } from './harness.js';

const CERT = 'a-long-random-app-certificate-for-tests-0123456789';
const tokenFor = (channel: string, uid: number, seconds: number, now = Date.now()) =>
  createToken({ appId: 'default', appCertificate: CERT, channel, uid, expiresInSeconds: seconds, now });

const ROWS = {
  INVALID_TOKEN: { code: 'INVALID_TOKEN', reason: 'INVALID_TOKEN', didExpire: false },
  TOKEN_EXPIRED: { code: 'TOKEN_EXPIRED', reason: 'TOKEN_EXPIRE', didExpire: true },
  UID_CONFLICT: { code: 'UID_CONFLICT', reason: 'UID_BANNED', didExpire: false },
  CHANNEL_FULL: { code: 'CHANNEL_FULL', reason: 'SERVER_ERROR', didExpire: false },
} as const;
type Row = (typeof ROWS)[keyof typeof ROWS];

const isDisconnected = (e: ChannelEvent) => e.type === 'connection-state-change' && e.curState === 'DISCONNECTED';

/** What the app heard at the end, as in the unit test: did-expire (if any), then DISCONNECTED with its reason. */
function expectOutcome(c: TestClient, row: Row): void {
  const heard = c.events
    .filter((e) => e.type === 'token-privilege-did-expire' || isDisconnected(e))
    .map((e) => (e.type === 'connection-state-change' ? `DISCONNECTED ${e.reason}` : e.type));
  expect(heard).toEqual([...(row.didExpire ? ['token-privilege-did-expire'] : []), `DISCONNECTED ${row.reason}`]);
}

/** No reconnect follows a verdict: well past several backoff periods, still one DISCONNECTED and nothing else. */
async function expectNoRetry(c: TestClient): Promise<void> {
  const seen = c.events.length;
  await quietPeriod(700);
  expect(c.events.slice(seen)).toEqual([]);
  expect(c.client.getConnectionState()).toBe('DISCONNECTED');
}

describe('server verdicts end to end: one outcome per row', () => {
  test('INVALID_TOKEN refusing a join', async () => {
    const server = await testServer({ appCertificate: CERT });
    const c = testClient(server.url);
    await expect(c.client.join(tokenFor('v', 2, 60), 'v', 1)).rejects.toMatchObject({ code: ROWS.INVALID_TOKEN.code });
    expectOutcome(c, ROWS.INVALID_TOKEN);
    await expectNoRetry(c);
  });

  test('TOKEN_EXPIRED refusing a join', async () => {
    const server = await testServer({ appCertificate: CERT });
    const c = testClient(server.url);
    await expect(c.client.join(tokenFor('v', 1, 10, Date.now() - 11_000), 'v', 1)).rejects.toMatchObject({ code: ROWS.TOKEN_EXPIRED.code });
    expectOutcome(c, ROWS.TOKEN_EXPIRED);
    await expectNoRetry(c);
  });

  test('TOKEN_EXPIRED refusing a reconnect (the token expired during an outage)', async () => {
    const server = await testServer({ appCertificate: CERT, tokenWillExpireMs: 0, peerTimeoutMs: 10_000, streamTimeoutMs: 10_000 });
    const proxy = await proxyTo(server);
    const c = testClient(proxy.url());
    const issued = Date.now();
    await c.client.join(tokenFor('v', 1, 1.2, issued), 'v', 1);
    proxy.blackhole('both');
    await c.waitForEvent((e) => e.type === 'connection-state-change' && e.curState === 'CONNECTING', 3000);
    await waitFor(() => Date.now() > issued + 1500, { timeoutMs: 3000 });
    proxy.restore();
    await c.waitForEvent(isDisconnected, 5000);
    expectOutcome(c, ROWS.TOKEN_EXPIRED);
    await expectNoRetry(c);
  });

  test('TOKEN_EXPIRED ending a joined session (kicked TOKEN_EXPIRE)', async () => {
    const server = await testServer({ appCertificate: CERT, tokenWillExpireMs: 300 });
    const c = testClient(server.url);
    await c.client.join(tokenFor('v', 1, 0.8), 'v', 1);
    await c.waitForEvent(isDisconnected, 3000);
    expectOutcome(c, ROWS.TOKEN_EXPIRED);
    await expectNoRetry(c);
  });

  test('UID_CONFLICT ending a joined session (kicked UID_BANNED)', async () => {
    const server = await testServer();
    const first = testClient(server.url);
    await first.client.join(null, 'v', 7);
    const second = testClient(server.url);
    await second.client.join(null, 'v', 7);
    await first.waitForEvent(isDisconnected, 3000);
    expectOutcome(first, ROWS.UID_CONFLICT);
    await expectNoRetry(first);
  });

  test('CHANNEL_FULL refusing a join', async () => {
    const server = await testServer({ maxPeersPerChannel: 1 });
    const inside = testClient(server.url);
    await inside.client.join(null, 'v', 1);
    const c = testClient(server.url);
    await expect(c.client.join(null, 'v', 2)).rejects.toMatchObject({ code: ROWS.CHANNEL_FULL.code });
    expectOutcome(c, ROWS.CHANNEL_FULL);
    await expectNoRetry(c);
  });
});
