/**
 * What a token's grants do on a server (docs/backend.md, Tokens): `role` (the only role allowed),
 * `canPublish`, `attributes` (fixed keys), and renew-token applying a new token's grants. Raw
 * protocol clients, so every reply and close code is visible.
 */
import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode, PROTOCOL_VERSION } from '../../src/protocol.js';
import type { ChannelLinkServer, ServerOptions } from '../../server/index.js';
import { createToken, type CreateTokenOptions } from '../../server/tokens.js';
import { RawClient, startTestServer, uniqueChannel } from '../server/raw-client.js';
import { APP_ID, CERT } from './helpers.js';

const grant = (channel: string, uid: number, extra: Partial<CreateTokenOptions> = {}) =>
  createToken({ appId: APP_ID, appCertificate: CERT, channel, uid, expiresInSeconds: 600, ...extra });

let server: ChannelLinkServer;
afterEach(async () => {
  await server?.close();
});
const start = async (options: ServerOptions = {}) => (server = await startTestServer({ appCertificate: CERT, ...options }));

/** The attributes a peer was last told of `uid` (peer-online or an attributes change). */
function attributesSeen(peer: RawClient, uid: number): unknown {
  const told = peer.frames.filter((f) => (f.type === 'peer-online' || f.type === 'attributes') && f.uid === uid);
  return (told.at(-1) as { attributes?: unknown } | undefined)?.attributes;
}

describe('role', () => {
  it('a host join with an audience-only token is refused: NO_PERMISSION, close 4503, no member', async () => {
    await start();
    const channel = uniqueChannel('grant');
    const client = await RawClient.connect(server.url);
    const token = grant(channel, 1, { role: 'audience' });
    client.send({ type: 'join', v: PROTOCOL_VERSION, appId: APP_ID, channel, uid: 1, token, role: 'host', streams: [], subscriptions: [] });
    expect(await client.next('error')).toMatchObject({ code: 'NO_PERMISSION' });
    expect((await client.waitClosed()).code).toBe(CloseCode.NO_PERMISSION);
    expect(server.stats()).toMatchObject({ members: 0, sessions: 0 });
    expect(server.stats().counters.joinsRefusedNoPermission).toBe(1);
  });

  it('the same token admits an audience join; setClientRole(host) is then NO_PERMISSION and the role stays', async () => {
    await start();
    const channel = uniqueChannel('grant');
    const { client, joined } = await RawClient.joined(server.url, { channel, uid: 1, role: 'audience', token: grant(channel, 1, { role: 'audience' }) });
    expect(joined.role).toBe('audience');
    expect(await client.request({ type: 'set-role', role: 'host' })).toMatchObject({ type: 'error', code: 'NO_PERMISSION' });
    expect(await client.request({ type: 'set-role', role: 'audience' })).toMatchObject({ type: 'ack' });
  });

  it('a host-only token refuses an audience join; a token without role admits both', async () => {
    await start();
    const channel = uniqueChannel('grant');
    const refused = await RawClient.connect(server.url);
    refused.send({ type: 'join', v: PROTOCOL_VERSION, appId: APP_ID, channel, uid: 1, token: grant(channel, 1, { role: 'host' }), role: 'audience', streams: [], subscriptions: [] });
    expect(await refused.next('error')).toMatchObject({ code: 'NO_PERMISSION' });
    const { client } = await RawClient.joined(server.url, { channel, uid: 2, role: 'audience', token: grant(channel, 2) });
    expect(await client.request({ type: 'set-role', role: 'host' })).toMatchObject({ type: 'ack' });
  });
});

describe('canPublish', () => {
  it('false: publish is NO_PERMISSION and nothing is announced; streams named in the join are dropped', async () => {
    await start();
    const channel = uniqueChannel('grant');
    const { client: peer } = await RawClient.joined(server.url, { channel, uid: 2, token: grant(channel, 2) });
    const { client } = await RawClient.joined(server.url, { channel, uid: 1, token: grant(channel, 1, { canPublish: false }), streams: ['s0'] });
    expect(await client.request({ type: 'publish', streamId: 's1' })).toMatchObject({ type: 'error', code: 'NO_PERMISSION' });
    await peer.waitFor(() => peer.frames.some((f) => f.type === 'peer-online' && f.uid === 1), 'peer-online');
    await peer.ping();
    await client.ping();
    expect(peer.frames.filter((f) => f.type === 'stream-added')).toEqual([]);
  });
});

describe('attributes', () => {
  it('the token fixes its keys: peers see them, a join or set that changes them is NO_PERMISSION, other keys are free', async () => {
    await start();
    const channel = uniqueChannel('grant');
    const { client: peer } = await RawClient.joined(server.url, { channel, uid: 2, token: grant(channel, 2) });
    const token = grant(channel, 1, { attributes: { name: 'Ada' } });

    const liar = await RawClient.connect(server.url);
    liar.send({ type: 'join', v: PROTOCOL_VERSION, appId: APP_ID, channel, uid: 1, token, role: 'host', streams: [], subscriptions: [], attributes: { name: 'Eve' } });
    expect(await liar.next('error')).toMatchObject({ code: 'NO_PERMISSION' });
    expect((await liar.waitClosed()).code).toBe(CloseCode.NO_PERMISSION);

    const { client } = await RawClient.joined(server.url, { channel, uid: 1, token, attributes: { hand: 'down' } });
    await peer.waitFor(() => attributesSeen(peer, 1), 'peer-online with attributes');
    expect(attributesSeen(peer, 1)).toEqual({ hand: 'down', name: 'Ada' });

    expect(await client.request({ type: 'set-attributes', attributes: { name: 'Eve' } })).toMatchObject({ type: 'error', code: 'NO_PERMISSION' });
    expect(await client.request({ type: 'set-attributes', attributes: { hand: 'up' } })).toMatchObject({ type: 'ack' });
    await peer.waitFor(() => (attributesSeen(peer, 1) as { hand?: string }).hand === 'up', 'the new attributes');
    expect(attributesSeen(peer, 1)).toEqual({ hand: 'up', name: 'Ada' });
    // Naming the fixed key with its own value is no change.
    expect(await client.request({ type: 'set-attributes', attributes: { name: 'Ada' } })).toMatchObject({ type: 'ack' });
  });
});

describe('renew-token applies the new token', () => {
  it('its fixed attributes reach the peers, its canPublish and role hold from then on', async () => {
    await start();
    const channel = uniqueChannel('grant');
    const { client: peer } = await RawClient.joined(server.url, { channel, uid: 2, token: grant(channel, 2) });
    const { client } = await RawClient.joined(server.url, { channel, uid: 1, token: grant(channel, 1, { attributes: { name: 'Ada' } }), attributes: { hand: 'up' } });
    await peer.waitFor(() => attributesSeen(peer, 1), 'peer-online');

    expect(await client.request({ type: 'renew-token', token: grant(channel, 1, { attributes: { name: 'Bob' }, canPublish: false }) })).toMatchObject({ type: 'ack' });
    await peer.waitFor(() => (attributesSeen(peer, 1) as { name?: string }).name === 'Bob', 'the renewed attributes');
    expect(attributesSeen(peer, 1)).toEqual({ hand: 'up', name: 'Bob' });
    expect(await client.request({ type: 'publish', streamId: 's1' })).toMatchObject({ type: 'error', code: 'NO_PERMISSION' });

    // A token whose role forbids the member's current one is refused; the old one stays in force.
    expect(await client.request({ type: 'renew-token', token: grant(channel, 1, { role: 'audience' }) })).toMatchObject({ type: 'error', code: 'NO_PERMISSION' });
    expect(await client.request({ type: 'renew-token', token: grant(channel, 1, { role: 'host' }) })).toMatchObject({ type: 'ack' });
    expect(await client.request({ type: 'publish', streamId: 's1' })).toMatchObject({ type: 'ack' });
  });
});

describe('a server with only a tokenPublicKey', () => {
  it('admits EdDSA tokens of the backend and refuses HS256 ones', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    server = await startTestServer({ tokenPublicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() });
    const channel = uniqueChannel('grant');
    const exp = Math.floor(Date.now() / 1000) + 600;
    const token = await new SignJWT({ app: APP_ID, channel, uid: 1, exp, role: 'audience' }).setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' }).sign(privateKey);
    const { joined } = await RawClient.joined(server.url, { channel, uid: 1, role: 'audience', token });
    expect(joined.tokenExpiresAt).toBe(exp * 1000);
    const refused = await RawClient.connect(server.url);
    refused.send({ type: 'join', v: PROTOCOL_VERSION, appId: APP_ID, channel, uid: 2, token: grant(channel, 2), role: 'host', streams: [], subscriptions: [] });
    expect(await refused.next('error')).toMatchObject({ code: 'INVALID_TOKEN' });
  });
});
