/**
 * Signed tokens: what createToken() binds, what verifyToken() refuses, and what a server with an
 * app certificate does with them (raw protocol clients, so every frame and close code is visible).
 * Tokens minted independently (by hand, with jose, with other algorithms): jwt-tokens.test.ts.
 */
import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode, PROTOCOL_VERSION } from '../../src/protocol.js';
import type { ChannelLinkServer, ServerOptions } from '../../server/index.js';
import { createToken } from '../../server/tokens.js';
import { verifyToken } from '../../server/token-verify.js';
import { RawClient, quietPeriod, startTestServer, uniqueChannel, until } from '../server/raw-client.js';
import { APP_ID, CERT, token } from './helpers.js';

const claims = { appId: APP_ID, channel: 'room', uid: 7 };
const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const decode = (part: string): Record<string, unknown> => JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>;

/** Re-encodes a token's claims after `edit`, keeping the original header and signature. */
function forgePayload(tok: string, edit: (payload: Record<string, unknown>) => void): string {
  const [header, payload, sig] = tok.split('.') as [string, string, string];
  const body = decode(payload);
  edit(body);
  return `${header}.${b64(body)}.${sig}`;
}

describe('createToken / verifyToken', () => {
  const good = token('room', 7);

  it('is an HS256 JWT with the claims app, channel, uid, iat, exp', () => {
    const now = 1_700_000_000_000;
    const [header, payload] = token('room', 7, 60, { now }).split('.') as [string, string];
    expect(decode(header)).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(decode(payload)).toEqual({ app: APP_ID, channel: 'room', uid: 7, iat: 1_700_000_000, exp: 1_700_000_060 });
  });

  it('accepts a token for exactly its app, channel and uid, and reports its expiry', async () => {
    const now = Date.now();
    const tok = token('room', 7, 60, { now });
    expect(await verifyToken(tok, CERT, claims, now + 1000)).toEqual({
      ok: true,
      expiresAt: now + 60_000,
      grants: { role: null, canPublish: true, attributes: {} },
    });
  });

  it.each([
    ['another app', { ...claims, appId: 'other' }, 'another app'],
    ['another channel', { ...claims, channel: 'room2' }, 'another channel'],
    ['another uid', { ...claims, uid: 8 }, 'another uid'],
    ['the same uid as a string', { ...claims, uid: '7' }, 'another uid'],
  ])('refuses it for %s (INVALID_TOKEN)', async (_name, asked, message) => {
    expect(await verifyToken(good, CERT, asked)).toEqual({ ok: false, code: 'INVALID_TOKEN', message: `token was issued for ${message}` });
  });

  it('uid 0 admits any uid of that app and channel (Agora semantics), nothing else', async () => {
    const any = token('room', 0);
    expect((await verifyToken(any, CERT, { ...claims, uid: 123 })).ok).toBe(true);
    expect((await verifyToken(any, CERT, { ...claims, uid: 'alice' })).ok).toBe(true);
    expect((await verifyToken(any, CERT, { ...claims, channel: 'x' })).ok).toBe(false);
  });

  it('refuses an expired token with TOKEN_EXPIRED, to the millisecond', async () => {
    const now = Date.now();
    const tok = token('room', 7, 10, { now });
    expect((await verifyToken(tok, CERT, claims, now + 9_999)).ok).toBe(true);
    expect(await verifyToken(tok, CERT, claims, now + 10_000)).toEqual({ ok: false, code: 'TOKEN_EXPIRED', message: 'token has expired' });
    expect(await verifyToken(tok, CERT, claims, now + 100_000)).toEqual({ ok: false, code: 'TOKEN_EXPIRED', message: 'token has expired' });
  });

  it('refuses a token not valid yet (nbf) with TOKEN_EXPIRED', async () => {
    const now = Date.now();
    const tok = createToken({ appId: APP_ID, appCertificate: CERT, channel: 'room', uid: 7, expiresInSeconds: 60, notBeforeSeconds: 5, now });
    expect(await verifyToken(tok, CERT, claims, now + 4_999)).toEqual({ ok: false, code: 'TOKEN_EXPIRED', message: 'token is not valid yet' });
    expect((await verifyToken(tok, CERT, claims, now + 5_000)).ok).toBe(true);
  });

  it('refuses a token signed with another certificate', async () => {
    expect(await verifyToken(token('room', 7, 3600, { cert: 'not-the-certificate' }), CERT, claims)).toEqual({
      ok: false,
      code: 'INVALID_TOKEN',
      message: 'token signature does not match',
    });
  });

  it('refuses every edit of the claims: longer expiry, other uid, other channel, other app, a grant', async () => {
    const edits: ((p: Record<string, unknown>) => void)[] = [
      (p) => (p.exp = (p.exp as number) + 1),
      (p) => (p.uid = 0),
      (p) => (p.channel = 'other'),
      (p) => (p.app = 'x'),
      (p) => (p.role = 'host'),
    ];
    for (const edit of edits) {
      expect(await verifyToken(forgePayload(good, edit), CERT, claims)).toEqual({ ok: false, code: 'INVALID_TOKEN', message: 'token signature does not match' });
    }
  });

  it('refuses a flipped signature bit and every malformed shape', async () => {
    const [h, p, s] = good.split('.') as [string, string, string];
    const sig = Buffer.from(s, 'base64url');
    sig[5]! ^= 1;
    const malformed = [
      '',
      'abc',
      `${h}.${p}`,
      `${h}.${p}.${s}.x`,
      `cl1.${p}.${s}`,
      `${h}..${s}`,
      `${h}.${p}.`,
      `${h}.${p}.${s.slice(0, -2)}`,
      `${h}.${p}.${s}AA`,
      `${h}.${p}!.${s}`,
      `${h}.${p}.${sig.toString('base64url')}`,
      `${h}.${Buffer.from('not json').toString('base64url')}.${s}`,
      'x'.repeat(3000),
    ];
    for (const tok of malformed) {
      expect(await verifyToken(tok, CERT, claims), tok).toMatchObject({ ok: false, code: 'INVALID_TOKEN' });
    }
    expect(await verifyToken(null, CERT, claims)).toEqual({ ok: false, code: 'INVALID_TOKEN', message: 'a token is required' });
  });

  it('a correctly signed token whose claims have the wrong shape is still refused', async () => {
    // Signed by hand with the real algorithm, to reach the checks behind the signature.
    const signed = (body: unknown): string => {
      const part = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(body)}`;
      return `${part}.${createHmac('sha256', CERT).update(part).digest('base64url')}`;
    };
    const exp = Math.floor(Date.now() / 1000) + 600;
    for (const body of [
      null,
      5,
      [],
      { app: APP_ID, channel: 'room', uid: 7 },
      { app: APP_ID, channel: 'room', uid: 7, exp: 'later' },
      { app: 1, channel: 'room', uid: 7, exp },
      { app: APP_ID, channel: 'room', uid: -1, exp },
      { app: APP_ID, channel: 'room', uid: 7, exp, role: 'admin' },
      { app: APP_ID, channel: 'room', uid: 7, exp, canPublish: 'yes' },
      { app: APP_ID, channel: 'room', uid: 7, exp, attributes: { name: 1 } },
      { app: APP_ID, channel: 'room', uid: 7, exp, attributes: ['a'] },
    ]) {
      expect(await verifyToken(signed(body), CERT, claims), JSON.stringify(body)).toMatchObject({ ok: false, code: 'INVALID_TOKEN' });
    }
  });

  it('carries the grants: role, canPublish, attributes', async () => {
    const tok = createToken({ appId: APP_ID, appCertificate: CERT, channel: 'room', uid: 7, expiresInSeconds: 60, role: 'audience', canPublish: false, attributes: { name: 'Ada' } });
    expect(await verifyToken(tok, CERT, claims)).toMatchObject({ ok: true, grants: { role: 'audience', canPublish: false, attributes: { name: 'Ada' } } });
  });

  it('validates its arguments (INVALID_PARAMS)', () => {
    const base = { appId: APP_ID, appCertificate: CERT, channel: 'room', uid: 1, expiresInSeconds: 60 };
    for (const bad of [
      { appId: '' },
      { appCertificate: '' },
      { channel: 'bad/name' },
      { uid: -1 },
      { uid: 1.5 },
      { uid: '' },
      { expiresInSeconds: 0 },
      { expiresInSeconds: Number.NaN },
      { expiresInSeconds: Infinity },
      { role: 'admin' },
      { canPublish: 'no' },
      { attributes: { name: 5 } },
      { notBeforeSeconds: -1 },
      { uid: '\u0000'.repeat(255) }, // would not fit in the protocol's 2047 characters
    ]) {
      expect(() => createToken({ ...base, ...bad } as never), JSON.stringify(bad)).toThrow(expect.objectContaining({ code: 'INVALID_PARAMS' }));
    }
    expect(createToken({ ...base, uid: 'u'.repeat(255) }).length).toBeLessThanOrEqual(2047);
  });
});

describe('a server with an app certificate', () => {
  let server: ChannelLinkServer;
  afterEach(async () => {
    await server?.close();
  });
  const start = async (options: ServerOptions = {}) => {
    server = await startTestServer({ appCertificate: CERT, ...options });
    return server;
  };

  it.each([
    ['no token', () => null],
    ['a malformed token', () => 'garbage'],
    ['a wrongly signed token', (c: string) => token(c, 1, 60, { cert: 'wrong' })],
    ['a token for another channel', () => token('elsewhere', 1)],
    ['a token for another uid', (c: string) => token(c, 2)],
    ['a token for another app', (c: string) => token(c, 1, 60, { appId: 'other-app' })],
  ])('refuses a join with %s: error INVALID_TOKEN, close 4501, no member', async (_name, make) => {
    await start();
    const channel = uniqueChannel('tok');
    const client = await RawClient.connect(server.url);
    client.send({ type: 'join', v: PROTOCOL_VERSION, appId: APP_ID, channel, uid: 1, token: make(channel), role: 'host', streams: [], subscriptions: [] });
    expect(await client.next('error')).toMatchObject({ code: 'INVALID_TOKEN' });
    expect((await client.waitClosed()).code).toBe(CloseCode.INVALID_TOKEN);
    expect(client.frames.some((f) => f.type === 'joined')).toBe(false);
    expect(server.stats()).toMatchObject({ members: 0, sessions: 0 });
  });

  it('refuses an expired token: error TOKEN_EXPIRED, close 4502', async () => {
    await start();
    const channel = uniqueChannel('tok');
    const client = await RawClient.connect(server.url);
    const expired = token(channel, 1, 60, { now: Date.now() - 61_000 });
    client.send({ type: 'join', v: PROTOCOL_VERSION, appId: APP_ID, channel, uid: 1, token: expired, role: 'host', streams: [], subscriptions: [] });
    expect(await client.next('error')).toMatchObject({ code: 'TOKEN_EXPIRED' });
    expect((await client.waitClosed()).code).toBe(CloseCode.TOKEN_EXPIRED);
    expect(server.stats().members).toBe(0);
  });

  it('admits a valid token and reports its expiry in `joined`', async () => {
    await start();
    const channel = uniqueChannel('tok');
    const now = Date.now();
    const { joined } = await RawClient.joined(server.url, { channel, uid: 1, token: token(channel, 1, 600, { now }) });
    expect(joined.tokenExpiresAt).toBe(now + 600_000);
  });

  it('a wildcard token (uid 0) lets the server assign the uid', async () => {
    await start();
    const channel = uniqueChannel('tok');
    const { joined } = await RawClient.joined(server.url, { channel, uid: null, token: token(channel, 0) });
    expect(typeof joined.uid).toBe('number');
  });

  it('token-will-expire comes tokenWillExpireMs before expiry; without renewal: kicked TOKEN_EXPIRE, 4502, peers see QUIT', async () => {
    await start({ tokenWillExpireMs: 400 });
    const channel = uniqueChannel('tok');
    const { client: peer } = await RawClient.joined(server.url, { channel, uid: 2, token: token(channel, 2) });
    const stopPeer = peer.heartbeat(100);
    const issued = Date.now();
    const { client, joined } = await RawClient.joined(server.url, { channel, uid: 1, token: token(channel, 1, 0.9, { now: issued }), streams: ['s1'] });
    const stop = client.heartbeat(100);
    const will = await client.next('token-will-expire');
    const willAt = Date.now();
    expect(will.expiresAt).toBe(joined.tokenExpiresAt);
    expect(willAt).toBeGreaterThanOrEqual(issued + 900 - 400 - 5);
    const kicked = await client.next('kicked');
    expect(kicked.reason).toBe('TOKEN_EXPIRE');
    expect(Date.now()).toBeGreaterThanOrEqual(issued + 900 - 5);
    expect((await client.waitClosed()).code).toBe(CloseCode.TOKEN_EXPIRED);
    await peer.waitFor(() => peer.frames.some((f) => f.type === 'peer-leave'), 'peer-leave');
    expect(peer.events()).toEqual([
      { type: 'peer-online', uid: 1 },
      { type: 'stream-added', uid: 1, streamId: 's1' },
      { type: 'stream-removed', uid: 1, streamId: 's1', reason: 'PEER_LEFT' },
      { type: 'peer-leave', uid: 1, reason: 'QUIT' },
    ]);
    stop();
    stopPeer();
    expect(server.stats()).toMatchObject({ members: 1, sessions: 1 });
    expect(server.stats().counters.tokenExpiries).toBe(1);
  });

  it('a token closer to expiry than tokenWillExpireMs gets token-will-expire at once', async () => {
    await start({ tokenWillExpireMs: 30_000 });
    const channel = uniqueChannel('tok');
    const { client } = await RawClient.joined(server.url, { channel, uid: 1, token: token(channel, 1, 20) });
    expect((await client.next('token-will-expire', 1000)).expiresAt).toBeGreaterThan(Date.now());
  });

  it('renew-token with a valid token extends the session past the first expiry', async () => {
    await start({ tokenWillExpireMs: 300 });
    const channel = uniqueChannel('tok');
    const { client } = await RawClient.joined(server.url, { channel, uid: 1, token: token(channel, 1, 0.6) });
    const stop = client.heartbeat(100);
    await client.next('token-will-expire');
    const renewed = Date.now();
    expect(await client.request({ type: 'renew-token', token: token(channel, 1, 60, { now: renewed }) })).toEqual({ type: 'ack', id: 1 });
    await quietPeriod(700); // well past the first token's expiry
    expect(client.closeInfo).toBeNull();
    expect(client.frames.some((f) => f.type === 'kicked')).toBe(false);
    await client.ping();
    stop();
  });

  it.each([
    ['another uid', (c: string) => token(c, 9, 60)],
    ['another channel', () => token('elsewhere', 1, 60)],
    ['an expired token', (c: string) => token(c, 1, 1, { now: Date.now() - 5000 })],
    ['a forged token', (c: string) => forgePayload(token(c, 1, 0.6), (p) => (p.exp = Date.now() / 1000 + 60))],
  ])('renew-token with %s is refused; the old expiry stays in force', async (_name, make) => {
    await start({ tokenWillExpireMs: 100 });
    const channel = uniqueChannel('tok');
    const { client } = await RawClient.joined(server.url, { channel, uid: 1, token: token(channel, 1, 0.6) });
    const stop = client.heartbeat(100);
    const reply = await client.request({ type: 'renew-token', token: make(channel) });
    expect(reply).toMatchObject({ type: 'error', id: 1 });
    expect(['INVALID_TOKEN', 'TOKEN_EXPIRED']).toContain((reply as { code: string }).code);
    expect((await client.next('kicked', 2000)).reason).toBe('TOKEN_EXPIRE');
    expect((await client.waitClosed()).code).toBe(CloseCode.TOKEN_EXPIRED);
    stop();
  });

  it('a resume must present a currently valid token; the renewed one works, the expired one does not', async () => {
    await start({ tokenWillExpireMs: 0, peerTimeoutMs: 5000, streamTimeoutMs: 5000 });
    const channel = uniqueChannel('tok');
    const first = token(channel, 1, 0.5);
    const { client, joined } = await RawClient.joined(server.url, { channel, uid: 1, token: first });
    const renewedToken = token(channel, 1, 60);
    expect(await client.request({ type: 'renew-token', token: renewedToken })).toMatchObject({ type: 'ack' });
    client.terminate(); // the link drops; the session waits for a resume
    await until(() => server.stats().sockets === 0, 'the socket to go');
    await until(() => Date.now() > joined.serverTime + 600, 'the first token to expire');

    const stale = await RawClient.connect(server.url);
    stale.send({ type: 'join', v: PROTOCOL_VERSION, appId: APP_ID, channel, uid: 1, token: first, sessionId: joined.sessionId, role: 'host', streams: [], subscriptions: [] });
    expect(await stale.next('error')).toMatchObject({ code: 'TOKEN_EXPIRED' });
    expect((await stale.waitClosed()).code).toBe(CloseCode.TOKEN_EXPIRED);

    const resumed = await RawClient.connect(server.url);
    const again = await resumed.join({ channel, uid: 1, token: renewedToken, sessionId: joined.sessionId });
    expect(again.resumed).toBe(true);
    expect(server.stats().members).toBe(1);
  });

  it('a resume without any token is refused like a join', async () => {
    await start({ peerTimeoutMs: 5000 });
    const channel = uniqueChannel('tok');
    const { client, joined } = await RawClient.joined(server.url, { channel, uid: 1, token: token(channel, 1) });
    client.terminate();
    const thief = await RawClient.connect(server.url);
    thief.send({ type: 'join', v: PROTOCOL_VERSION, appId: APP_ID, channel, uid: 1, token: null, sessionId: joined.sessionId, role: 'host', streams: [], subscriptions: [] });
    expect((await thief.waitClosed()).code).toBe(CloseCode.INVALID_TOKEN);
  });
});
