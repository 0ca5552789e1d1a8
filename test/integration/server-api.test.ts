/**
 * The server API (docs/backend.md, Server API) against a real server and real clients: every
 * endpoint and every error. In the cluster project the calls go to other nodes than the
 * members' (each read of `server.port` names the next node), so any node answers for the whole
 * cluster and a kick reaches the member's node.
 */
import { describe, expect, test } from 'vitest';
import type { ChannelEvent } from 'channel-link';
import { captureLogger } from '../security/helpers.js';
import { quietPeriod } from '../server/raw-client.js';
import { waitFor } from '../support/wait-for.js';
import { testClient, testServer, type TestClient } from './harness.js';

const SECRET = 'an-api-secret-for-the-tests-0123456789';
const AUTH = { authorization: `Bearer ${SECRET}` };

interface Reply {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function call(port: number, method: string, path: string, options: { body?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: { ...AUTH, ...(options.body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
    ...(options.body === undefined ? {} : { body: options.body }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

const apiServer = () => testServer({ apiSecret: SECRET });
const isDisconnected = (e: ChannelEvent) => e.type === 'connection-state-change' && e.curState === 'DISCONNECTED';
const expectError = (reply: Reply, status: number, code: string) => {
  expect(reply.status, JSON.stringify(reply.body)).toBe(status);
  expect(reply.body).toEqual({ error: { code, message: expect.any(String) } });
};

async function joined(url: string, channel: string, uid: number, options: Parameters<typeof testClient>[1] = {}): Promise<TestClient> {
  const c = testClient(url, options);
  await c.client.join(null, channel, uid);
  return c;
}

describe('server API', () => {
  test('without apiSecret /v1/ answers 404', async () => {
    const server = await testServer();
    expectError(await call(server.port, 'GET', '/v1/apps/default/channels'), 404, 'NOT_FOUND');
  });

  test('a missing, wrong or malformed bearer secret is 401', async () => {
    const server = await apiServer();
    for (const headers of [{ authorization: '' }, { authorization: 'Bearer wrong' }, { authorization: SECRET }, { authorization: `Basic ${SECRET}` }, { authorization: `Bearer ${SECRET}x` }]) {
      expectError(await call(server.port, 'GET', '/v1/apps/default/channels', { headers }), 401, 'UNAUTHORIZED');
    }
  });

  test('lists the app\'s channels with their counts; channel names are URL-encoded', async () => {
    const server = await apiServer();
    const odd = 'room #1 (a+b)';
    await joined(server.url, 'lobby', 1);
    await joined(server.url, 'lobby', 2, { role: 'audience' });
    await joined(server.url, odd, 3);
    await joined(server.url, 'elsewhere', 4, { appId: 'other-app' });
    const reply = await call(server.port, 'GET', '/v1/apps/default/channels');
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ channels: [{ channel: 'lobby', hosts: 1, audience: 1 }, { channel: odd, hosts: 1, audience: 0 }].sort((a, b) => (a.channel < b.channel ? -1 : 1)) });
    const one = await call(server.port, 'GET', `/v1/apps/default/channels/${encodeURIComponent(odd)}`);
    expect(one.body).toMatchObject({ channel: odd, hosts: 1, audience: 0, members: [{ uid: 3 }] });
    expect((await call(server.port, 'GET', '/v1/apps/other-app/channels')).body).toEqual({ channels: [{ channel: 'elsewhere', hosts: 1, audience: 0 }] });
  });

  test('reads a channel: its hosts in full, its audience page by page', async () => {
    const server = await apiServer();
    const host = await joined(server.url, 'read', 1);
    await host.client.setAttributes({ name: 'Ada' });
    await host.client.publish();
    const audience = [11, 12, 13, 14, 15];
    for (const uid of audience) await joined(server.url, 'read', uid, { role: 'audience' });
    const reply = await call(server.port, 'GET', '/v1/apps/default/channels/read');
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      channel: 'read',
      hosts: 1,
      audience: 5,
      members: [
        {
          uid: 1,
          role: 'host',
          attributes: { name: 'Ada' },
          streams: [expect.any(String)],
          networkQuality: { uplinkNetworkQuality: expect.any(Number), downlinkNetworkQuality: expect.any(Number) },
          joinedAt: expect.any(Number),
        },
      ],
    });
    expect(Math.abs(reply.body.members[0].joinedAt - Date.now())).toBeLessThan(60_000);

    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: Reply = await call(server.port, 'GET', `/v1/apps/default/channels/read?role=audience&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      for (const m of page.body.members) {
        expect(m.role).toBe('audience');
        seen.push(m.uid);
      }
      cursor = page.body.cursor;
    } while (cursor !== null);
    expect(seen.sort((a, b) => a - b)).toEqual(audience);
    expectError(await call(server.port, 'GET', '/v1/apps/default/channels/nobody-here'), 404, 'NOT_FOUND');
  });

  test('kick: the member goes DISCONNECTED (KICKED) and stays; peers see peer-leave KICKED; an unknown uid is kicked: 0', async () => {
    const server = await apiServer();
    const peer = await joined(server.url, 'kick', 1);
    const target = await joined(server.url, 'kick', 2);
    await target.client.publish();
    await peer.waitForEvent((e) => e.type === 'stream-added' && e.uid === 2);
    const reply = await call(server.port, 'POST', '/v1/apps/default/channels/kick/kick', { body: JSON.stringify({ uid: 2, message: 'bye' }) });
    expect(reply).toEqual({ status: 200, body: { kicked: 1 } });
    await target.waitForEvent(isDisconnected, 5000);
    expect(target.log('connection-state-change').at(-1)).toBe('state CONNECTED->DISCONNECTED KICKED');
    await peer.waitForEvent((e) => e.type === 'peer-leave' && e.uid === 2, 5000);
    expect(peer.log('stream-removed', 'peer-leave')).toEqual(['stream-removed 2 PEER_LEFT', 'peer-leave 2 KICKED']);
    const seen = target.events.length;
    await quietPeriod(700); // several reconnect delays: no reconnect
    expect(target.events.slice(seen)).toEqual([]);
    // Not banned: it may come back.
    await expect(target.client.join(null, 'kick', 2)).resolves.toBe(2);
    expect((await call(server.port, 'POST', '/v1/apps/default/channels/kick/kick', { body: JSON.stringify({ uid: 99 }) })).body).toEqual({ kicked: 0 });
  });

  test('a kick with banSeconds: joins of that uid are refused BANNED (reason KICKED) until the ban ends', async () => {
    const server = await apiServer();
    const target = await joined(server.url, 'ban', 5);
    expect((await call(server.port, 'POST', '/v1/apps/default/channels/ban/kick', { body: JSON.stringify({ uid: 5, banSeconds: 2 }) })).body).toEqual({ kicked: 1 });
    await target.waitForEvent(isDisconnected, 5000);
    const again = testClient(server.url);
    await expect(again.client.join(null, 'ban', 5)).rejects.toMatchObject({ code: 'BANNED' });
    expect(again.log('connection-state-change').at(-1)).toBe('state CONNECTING->DISCONNECTED KICKED');
    // Another uid, or another channel, is not banned.
    await expect(testClient(server.url).client.join(null, 'ban', 6)).resolves.toBe(6);
    await expect(testClient(server.url).client.join(null, 'ban-2', 5)).resolves.toBe(5);
    await waitFor(async () => (await again.client.join(null, 'ban', 5).then(() => true, () => false)), { timeoutMs: 8000, intervalMs: 250 });
  });

  test('DELETE ends the channel: every member kicked, hosts and audience', async () => {
    const server = await apiServer();
    const members = [await joined(server.url, 'end', 1), await joined(server.url, 'end', 2), await joined(server.url, 'end', 3, { role: 'audience' })];
    expect(await call(server.port, 'DELETE', '/v1/apps/default/channels/end')).toEqual({ status: 200, body: { kicked: 3 } });
    for (const m of members) {
      await m.waitForEvent(isDisconnected, 5000);
      expect(m.log('connection-state-change').at(-1)).toBe('state CONNECTED->DISCONNECTED KICKED');
    }
    await waitFor(async () => (await call(server.port, 'GET', '/v1/apps/default/channels')).body.channels.length === 0, { timeoutMs: 5000 });
    expect(await call(server.port, 'DELETE', '/v1/apps/default/channels/end')).toEqual({ status: 200, body: { kicked: 0 } });
  });

  test('bad input is 400 with a reason; unknown routes 404; wrong methods 405', async () => {
    const server = await apiServer();
    const port = server.port;
    const kick = (body: string) => call(port, 'POST', '/v1/apps/default/channels/room/kick', { body });
    for (const body of [
      '{"uid":1,"extra":true}',
      '{"uid":"1","banSeconds":"10"}',
      '{"uid":1.5}',
      '{"uid":-1}',
      '{"uid":0}',
      '{"banSeconds":10}',
      `{"uid":1,"banSeconds":${10 * 365 * 24 * 3600}}`,
      '{"uid":1,"message":5}',
      `{"uid":1,"message":"${'x'.repeat(300)}"}`,
      '[1]',
      'null',
      'not json',
      '',
      JSON.stringify({ uid: 1, message: 'x'.repeat(20_000) }),
    ]) {
      expectError(await kick(body), 400, 'INVALID_PARAMS');
    }
    expect((await kick(JSON.stringify({ uid: 1, message: 'x'.repeat(20_000) }))).body.error.message).toMatch(/larger than 4096 bytes/);
    expectError(await call(port, 'GET', '/v1/apps/default/channels/bad%2Fname'), 400, 'INVALID_PARAMS');
    expectError(await call(port, 'GET', '/v1/apps/default/channels/%E0%A4%A'), 400, 'INVALID_PARAMS');
    expectError(await call(port, 'GET', `/v1/apps/${'a'.repeat(200)}/channels`), 400, 'INVALID_PARAMS');
    for (const query of ['?role=admin', '?limit=0', '?limit=5000', '?limit=abc', '?cursor=xyz', '?other=1']) {
      expectError(await call(port, 'GET', `/v1/apps/default/channels/room${query}`), 400, 'INVALID_PARAMS');
    }
    for (const path of ['/v1', '/v1/', '/v1/apps', '/v1/apps/default', '/v1/apps/default/rooms', '/v1/apps/default/channels/room/ban', '/v1/apps/default/channels/room/kick/x']) {
      expectError(await call(port, 'GET', path), 404, 'NOT_FOUND');
    }
    expectError(await call(port, 'POST', '/v1/apps/default/channels'), 405, 'METHOD_NOT_ALLOWED');
    expectError(await call(port, 'GET', '/v1/apps/default/channels/room/kick'), 405, 'METHOD_NOT_ALLOWED');
    expectError(await call(port, 'PUT', '/v1/apps/default/channels/room'), 405, 'METHOD_NOT_ALLOWED');
    // The server is still fine.
    expect((await call(port, 'GET', '/v1/apps/default/channels')).status).toBe(200);
  });

  test('its own rate limit: a flood gets 429, and every call is logged with its outcome', async () => {
    const { logger, lines } = captureLogger('info');
    const server = await testServer({ apiSecret: SECRET, logger });
    const port = server.port; // one node: its own budget
    const replies = await Promise.all(Array.from({ length: 160 }, () => call(port, 'GET', '/v1/apps/default/channels')));
    const statuses = replies.map((r) => r.status);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
    expectError(replies.find((r) => r.status === 429)!, 429, 'RATE_LIMITED');
    await waitFor(() => lines.filter((l) => l.msg === 'api request').length >= 160, { timeoutMs: 5000 });
    const logged = lines.filter((l) => l.msg === 'api request').map((l) => l.api as { method: string; path: string; status: number; code?: string });
    expect(logged.some((l) => l.status === 200 && l.method === 'GET' && l.path === '/v1/apps/default/channels')).toBe(true);
    expect(logged.some((l) => l.status === 429 && l.code === 'RATE_LIMITED')).toBe(true);
    expect(JSON.stringify(lines)).not.toContain(SECRET);
  });
});
