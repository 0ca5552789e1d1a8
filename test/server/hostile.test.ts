/**
 * Malformed and hostile input: each case closes only the offending socket, with a clear close
 * code, while a joined client of the same channel keeps its session and hears nothing.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode, PROTOCOL_VERSION } from '../../src/protocol.js';
import type { ChannelLinkServer } from '../../server/index.js';
import { RawClient, startTestServer, uniqueChannel } from './raw-client.js';

let server: ChannelLinkServer;
let victim: RawClient;
let victimSession: string;
let stopVictim: () => void;
const channel = uniqueChannel('hostile');

const join = (extra: Record<string, unknown> = {}) => ({
  type: 'join',
  v: PROTOCOL_VERSION,
  appId: 'test',
  channel,
  uid: null,
  token: null,
  role: 'host',
  streams: [],
  subscriptions: [],
  ...extra,
});

beforeAll(async () => {
  server = await startTestServer({ joinTimeoutMs: 400 });
  const { client, joined } = await RawClient.joined(server.url, { channel, uid: 1, streams: ['s1'] });
  victim = client;
  victimSession = joined.sessionId;
  stopVictim = victim.heartbeat(100);
});
afterAll(async () => {
  stopVictim();
  victim.terminate();
  await server.close();
});

/** After each case: the victim is untouched, hears nothing, and still gets pongs. */
async function expectVictimUnharmed(): Promise<void> {
  await victim.ping();
  expect(victim.closeInfo).toBeNull();
  expect(victim.events()).toEqual([]);
  expect(victim.violations).toEqual([]);
}

async function expectClosed(client: RawClient, code: number): Promise<void> {
  const close = await client.waitClosed();
  expect(close.code).toBe(code);
  expect(close.reason.length).toBeGreaterThan(0);
}

const preJoinCases: [string, string | Uint8Array, string][] = [
  ['invalid JSON', '{"type":"join",', 'not valid JSON'],
  ['a JSON array', '[1,2,3]', 'invalid frame'],
  ['an unknown type', '{"type":"hello","v":1}', 'invalid frame'],
  ['a join with wrong field types', JSON.stringify(join({ v: '1', uid: { x: 1 } })), 'invalid frame'],
  ['a join with an extra key', JSON.stringify(join({ admin: true })), 'invalid frame'],
  ['a join with an invalid channel name', JSON.stringify(join({ channel: 'bad/name\n' })), 'invalid frame'],
  ['a __proto__ key', '{"type":"ping","ts":1,"__proto__":{"x":1}}', 'invalid frame'],
  ['a ping before join', '{"type":"ping","ts":1}', 'first frame must be join'],
  ['a data frame before join', new Uint8Array([0, 2, 0x73, 0x31, 1, 2, 3]), 'first frame must be join'],
  ['random binary junk', new Uint8Array(randomBytes(64)), 'first frame must be join'],
  ['a join of another protocol version', JSON.stringify(join({ v: PROTOCOL_VERSION + 1 })), 'unsupported protocol version'],
];

describe('hostile frames before join', () => {
  it('a client of an older protocol version is told both versions, and refused for good (4500), not looped', async () => {
    const old = await RawClient.connect(server.url);
    old.sendRaw(JSON.stringify(join({ v: PROTOCOL_VERSION - 1 })));
    await expectClosed(old, CloseCode.JOIN_REFUSED);
    const error = old.frames.find((f) => f.type === 'error');
    expect(error).toMatchObject({ type: 'error', code: 'PROTOCOL_ERROR' });
    expect((error as { message: string }).message).toContain(`unsupported protocol version ${PROTOCOL_VERSION - 1}: this server speaks version ${PROTOCOL_VERSION}`);
    await expectVictimUnharmed();
  });

  it.each(preJoinCases)('%s → error frame and close 4500 (the join is refused: the client must not retry)', async (_name, frame, reason) => {
    const hostile = await RawClient.connect(server.url);
    hostile.sendRaw(frame);
    await expectClosed(hostile, CloseCode.JOIN_REFUSED);
    expect(hostile.closeInfo!.reason).toContain(reason);
    const error = hostile.frames.find((f) => f.type === 'error');
    expect(error).toMatchObject({ type: 'error', code: 'PROTOCOL_ERROR' });
    expect(hostile.violations).toEqual([]);
    await expectVictimUnharmed();
  });

  it('a control frame over maxControlFrameBytes → close 1009 with a reason', async () => {
    const hostile = await RawClient.connect(server.url);
    hostile.sendRaw(JSON.stringify({ type: 'ping', ts: 1, pad: 'x'.repeat(100 * 1024) }));
    await expectClosed(hostile, CloseCode.TOO_BIG);
    expect(hostile.closeInfo!.reason).toContain('exceeds');
    await expectVictimUnharmed();
  });

  it('an 8 MB frame → close 1009 (ws enforces maxPayload before buffering it)', async () => {
    const hostile = await RawClient.connect(server.url);
    hostile.sendRaw(new Uint8Array(8 * 1024 * 1024));
    const close = await hostile.waitClosed(10_000);
    // ws rejects the frame from its header alone and closes with 1009 and no reason text.
    expect(close.code).toBe(CloseCode.TOO_BIG);
    await expectVictimUnharmed();
  });

  it('invalid UTF-8 in a text frame → close 1007 (by ws)', async () => {
    const hostile = await RawClient.connect(server.url);
    // Send raw bytes flagged as text: ws on the client does not validate what it sends.
    hostile.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    const close = await hostile.waitClosed();
    expect(close.code).toBe(1007);
    await expectVictimUnharmed();
  });

  it('a socket that never joins is closed after joinTimeoutMs (4408)', async () => {
    const started = Date.now(); // the server starts its join timer after this
    const idle = await RawClient.connect(server.url);
    await expectClosed(idle, CloseCode.JOIN_TIMEOUT);
    expect(Date.now() - started).toBeGreaterThanOrEqual(400 - 2);
    expect(idle.frames.find((f) => f.type === 'error')).toMatchObject({ code: 'TIMEOUT' });
    await expectVictimUnharmed();
  });
});

describe('hostile frames after join (same channel)', () => {
  const postJoinCases: [string, string | Uint8Array][] = [
    ['invalid JSON', 'not json at all'],
    ['an unknown type', '{"type":"explode","id":1}'],
    ['wrong field types', '{"type":"publish","id":"1","streamId":5}'],
    ['a negative request id', '{"type":"publish","id":-1,"streamId":"s9"}'],
    ['a __proto__ key', '{"type":"ping","ts":1,"__proto__":{"x":1}}'],
    ['binary junk', new Uint8Array([0xff, 0xff, 0xff])],
    ['a data frame with an invalid stream id', new Uint8Array([0, 3, 0x21, 0x21, 0x21, 1])],
    ['a truncated data header', new Uint8Array([0, 40, 0x61])],
  ];

  it.each(postJoinCases)('%s → close 4400; the victim only ever saw the hostile peer come online', async (_name, frame) => {
    const hostileChannelPeers = victim.events().length;
    const { client: hostile, joined } = await RawClient.joined(server.url, { channel, uid: null });
    // The hostile client is a member of the victim's channel: the victim hears it arrive.
    await victim.waitFor(() => victim.events().length === hostileChannelPeers + 1, 'the hostile peer-online');
    expect(victim.events().at(-1)).toEqual({ type: 'peer-online', uid: joined.uid });

    hostile.sendRaw(frame);
    await expectClosed(hostile, CloseCode.PROTOCOL_ERROR);
    expect(hostile.frames.find((f) => f.type === 'error')).toMatchObject({ code: 'PROTOCOL_ERROR' });

    await victim.ping();
    expect(victim.closeInfo).toBeNull();
    expect(victim.events()).toHaveLength(hostileChannelPeers + 1);
    // Clean up: end the hostile session now so its timeout does not leak into the next case.
    victim.clear();
    const { client: cleanup } = await RawClient.joined(server.url, { channel, uid: joined.uid, sessionId: joined.sessionId });
    cleanup.send({ type: 'leave', id: 1 });
    await victim.next('peer-leave');
    await cleanup.waitClosed();
    victim.clear();
    await expectVictimUnharmed();
  });

  it('the victim kept its session throughout', async () => {
    const { joined } = await RawClient.joined(server.url, { channel: `${channel}-probe`, uid: 99 });
    expect(joined.peers).toEqual([]);
    expect(server.stats().members).toBeGreaterThanOrEqual(2);
    // The victim's session still exists and still publishes s1.
    const { client: peer, joined: j } = await RawClient.joined(server.url, { channel, uid: 50 });
    expect(j.peers).toEqual([{ uid: 1, streams: ['s1'] }]);
    expect(victimSession.length).toBeGreaterThan(0);
    peer.send({ type: 'leave', id: 1 });
    await peer.waitClosed();
    victim.clear();
  });
});
