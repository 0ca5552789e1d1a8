import { decodeClientFrame } from '../../src/client-frames.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChannelLinkError } from '../../src/errors.js';
import {
  PROTOCOL_VERSION,
  ProtocolError,
  decodeDataHeader,
  decodeServerData,
  decodeServerFrame,
  encodeClientData,
  encodeFrame,
  encodeServerData,
  type ClientFrame,
  type ServerFrame,
} from '../../src/protocol.js';
import type { Uid } from '../../src/types.js';

const CLIENT_FRAMES: ClientFrame[] = [
  { type: 'join', v: PROTOCOL_VERSION, appId: 'app', channel: 'room-1', uid: 1, token: null, role: 'host', streams: [], subscriptions: [] },
  {
    type: 'join',
    v: PROTOCOL_VERSION,
    appId: 'app',
    channel: 'a b!#$%&()+-:;<=.>?@[]^_{|}~,',
    uid: 'alice',
    token: 'tok',
    sessionId: 'sess-1',
    role: 'audience',
    streams: ['s1', 'cam_2'],
    subscriptions: [{ uid: 2, streamId: 'v' }, { uid: 'bob', streamId: 'a-1' }],
  },
  { type: 'join', v: PROTOCOL_VERSION, appId: 'app', channel: 'r', uid: null, token: null, role: 'host', streams: [], subscriptions: [] },
  { type: 'ping', ts: 1234.5 },
  { type: 'publish', id: 1, streamId: 's1' },
  { type: 'unpublish', id: 2, streamId: 's1' },
  { type: 'subscribe', id: 3, uid: 2, streamId: 's1' },
  { type: 'unsubscribe', id: 4, uid: 'bob', streamId: 's1' },
  { type: 'renew-token', id: 5, token: 'new-token' },
  { type: 'leave', id: 0 },
  { type: 'set-role', id: 6, role: 'audience' },
];

const SERVER_FRAMES: ServerFrame[] = [
  {
    type: 'joined',
    v: PROTOCOL_VERSION,
    uid: 1,
    sessionId: 'sess-1',
    resumed: false,
    peers: [{ uid: 2, streams: ['a'] }, { uid: 'x', streams: [] }],
    tokenExpiresAt: null,
    serverTime: 99,
    role: 'host',
    channel: { hosts: 1, audience: 0 },
  },
  { type: 'joined', v: PROTOCOL_VERSION, uid: 'me', sessionId: 's', resumed: true, peers: [], tokenExpiresAt: 5000, serverTime: 1, role: 'host', channel: { hosts: 1, audience: 0 } },
  { type: 'pong', ts: 1, serverTime: 2 },
  { type: 'ack', id: 7 },
  { type: 'error', code: 'INVALID_TOKEN', message: 'bad token' },
  { type: 'error', id: 3, code: 'NOT_PUBLISHED', message: 'nope' },
  {
    type: 'presence',
    events: [
      { type: 'peer-online', uid: 2 },
      { type: 'peer-leave', uid: 'bob', reason: 'QUIT' },
      { type: 'peer-leave', uid: 2, reason: 'SERVER_TIMEOUT' },
      { type: 'peer-leave', uid: 3, reason: 'BECOME_AUDIENCE' },
      { type: 'stream-added', uid: 2, streamId: 'a' },
      { type: 'stream-removed', uid: 2, streamId: 'a', reason: 'UNPUBLISHED' },
      { type: 'stream-removed', uid: 2, streamId: 'a', reason: 'NO_DATA' },
      { type: 'stream-removed', uid: 2, streamId: 'a', reason: 'PEER_LEFT' },
    ],
  },
  { type: 'channel-info', hosts: 3, audience: 10_000 },
  { type: 'snapshot', peers: [{ uid: 2, streams: [] }], channel: { hosts: 2, audience: 0 } },
  { type: 'kicked', reason: 'UID_BANNED', message: 'elsewhere' },
  { type: 'kicked', reason: 'TOKEN_EXPIRE', message: 'expired' },
  { type: 'server-closing' },
  { type: 'token-will-expire', expiresAt: 42 },
];

function expectProtocolError(run: () => unknown): ProtocolError {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'expected a ProtocolError').toBeInstanceOf(ProtocolError);
  expect(thrown).toBeInstanceOf(ChannelLinkError);
  expect((thrown as ProtocolError).code).toBe('PROTOCOL_ERROR');
  return thrown as ProtocolError;
}

describe('control frames', () => {
  for (const frame of CLIENT_FRAMES) {
    it(`client frame ${frame.type} round-trips`, () => {
      expect(decodeClientFrame(encodeFrame(frame))).toEqual(frame);
    });
  }
  for (const frame of SERVER_FRAMES) {
    it(`server frame ${frame.type} round-trips`, () => {
      expect(decodeServerFrame(encodeFrame(frame))).toEqual(frame);
    });
  }

  it('decoders throw ProtocolError on invalid JSON', () => {
    for (const text of ['', '{', '{"type":"ping",', 'undefined', "{'type':'ping'}"]) {
      expectProtocolError(() => decodeClientFrame(text));
      expectProtocolError(() => decodeServerFrame(text));
    }
  });

  it('decoders throw ProtocolError on JSON that is not a frame', () => {
    for (const text of ['null', '42', '"ping"', '[]', '{}', '{"type":null}']) {
      expectProtocolError(() => decodeClientFrame(text));
      expectProtocolError(() => decodeServerFrame(text));
    }
  });

  it('decoders throw ProtocolError on an unknown type, including the other side\'s frames', () => {
    expectProtocolError(() => decodeClientFrame('{"type":"hello"}'));
    expectProtocolError(() => decodeServerFrame('{"type":"hello"}'));
    expectProtocolError(() => decodeServerFrame(encodeFrame({ type: 'ping', ts: 1 })));
    expectProtocolError(() => decodeClientFrame(encodeFrame({ type: 'ack', id: 1 })));
  });

  it('decoders throw ProtocolError on wrong field types and values', () => {
    const badClient = [
      { type: 'ping', ts: '1' },
      { type: 'ping' },
      { type: 'ping', ts: null },
      { type: 'publish', id: -1, streamId: 's' },
      { type: 'publish', id: 1.5, streamId: 's' },
      { type: 'publish', id: 1, streamId: 'has space' },
      { type: 'subscribe', id: 1, uid: 2 ** 32, streamId: 's' },
      { type: 'subscribe', id: 1, uid: '', streamId: 's' },
      { type: 'renew-token', id: 1, token: '' },
      { type: 'leave', id: '1' },
      { ...CLIENT_FRAMES[0], channel: 'bad/channel' },
      { ...CLIENT_FRAMES[0], token: 't'.repeat(2048) },
      { ...CLIENT_FRAMES[0], streams: 's1' },
      { ...CLIENT_FRAMES[0], appId: '' },
    ];
    for (const frame of badClient) expectProtocolError(() => decodeClientFrame(JSON.stringify(frame)));
    const badServer = [
      { type: 'ack', id: 'x' },
      { type: 'pong', ts: 1 },
      { type: 'peer-online', uid: -5 },
      { type: 'peer-online', uid: 1.5 },
      { type: 'peer-leave', uid: 1, reason: 'BORED' },
      { type: 'stream-removed', uid: 1, streamId: 'a', reason: 'QUIT' },
      { type: 'error', code: 'NOT_A_CODE', message: 'x' },
      { type: 'error', code: 'TIMEOUT', message: 'x'.repeat(1025) },
      { type: 'kicked', reason: 'BORED', message: '' },
      { ...SERVER_FRAMES[0], peers: {} },
      { ...SERVER_FRAMES[0], resumed: 'yes' },
      { ...SERVER_FRAMES[0], peers: [{ uid: 2 }] },
    ];
    for (const frame of badServer) expectProtocolError(() => decodeServerFrame(JSON.stringify(frame)));
  });

  it('decoders throw ProtocolError on extra keys, including __proto__ and constructor', () => {
    expectProtocolError(() => decodeClientFrame('{"type":"ping","ts":1,"extra":true}'));
    expectProtocolError(() => decodeClientFrame('{"type":"ping","ts":1,"__proto__":{"polluted":true}}'));
    expectProtocolError(() => decodeClientFrame('{"type":"ping","ts":1,"constructor":{}}'));
    expectProtocolError(() => decodeServerFrame('{"type":"ack","id":1,"__proto__":{"polluted":true}}'));
    expectProtocolError(() => decodeServerFrame('{"type":"server-closing","x":1}'));
    expectProtocolError(() =>
      decodeServerFrame('{"type":"joined","v":1,"uid":1,"sessionId":"s","resumed":false,"peers":[{"uid":2,"streams":[],"__proto__":{}}],"tokenExpiresAt":null,"serverTime":1}'),
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a decode error message is bounded and names the failing path', () => {
    const error = expectProtocolError(() => decodeServerFrame('{"type":"presence","events":[{"type":"peer-online","uid":true}]}'));
    expect(error.message).toMatch(/uid/);
    expect(error.message.length).toBeLessThanOrEqual(300);
  });
});

describe('binary data frames', () => {
  const bytes = new Uint8Array([0, 1, 2, 250, 255]);

  function relay(uid: Uid, streamId: string, data: string | Uint8Array) {
    const clientFrame = encodeClientData(streamId, 42, 7, data);
    const header = decodeDataHeader(clientFrame);
    expect(header).toMatchObject({ streamId, epoch: 42, seq: 7 });
    return decodeServerData(encodeServerData(uid, streamId, header.flags, header.epoch, header.seq, clientFrame.subarray(header.payloadOffset)));
  }

  it('round-trip text and bytes with numeric uids', () => {
    expect(relay(7, 's1', 'hello ✓')).toEqual({ uid: 7, streamId: 's1', data: 'hello ✓', epoch: 42, seq: 7 });
    const out = relay(2 ** 32 - 1, 'cam_2', bytes);
    expect(out.uid).toBe(2 ** 32 - 1);
    expect(out.data).toBeInstanceOf(Uint8Array);
    expect([...(out.data as Uint8Array)]).toEqual([...bytes]);
    expect(relay(0, 's', '')).toEqual({ uid: 0, streamId: 's', data: '', epoch: 42, seq: 7 });
    expect([...(relay(0, 's', new Uint8Array()).data as Uint8Array)]).toEqual([]);
  });

  it('round-trip text and bytes with string uids', () => {
    expect(relay('alice', 's1', 'hi')).toEqual({ uid: 'alice', streamId: 's1', data: 'hi', epoch: 42, seq: 7 });
    expect([...(relay('bob', 's1', bytes).data as Uint8Array)]).toEqual([...bytes]);
    const longest = 'u'.repeat(255);
    expect(relay(longest, 's1', 'x')).toEqual({ uid: longest, streamId: 's1', data: 'x', epoch: 42, seq: 7 });
  });

  it('text payloads are distinguished from byte payloads that look like text', () => {
    const asBytes = relay(1, 's', new TextEncoder().encode('abc'));
    expect(asBytes.data).toBeInstanceOf(Uint8Array);
    expect(relay(1, 's', 'abc').data).toBe('abc');
  });

  // A string uid is valid with 1-255 characters (docs/api.md, Validation rules), but with non-ASCII characters its
  // UTF-8 form can take up to 765 bytes, which does not fit the frame's one-byte uid length.
  it('round-trips a valid string uid whose UTF-8 form is longer than 255 bytes', () => {
    for (const uid of ['é'.repeat(200), '用户'.repeat(60), '😀'.repeat(100)]) {
      expect(uid.length).toBeLessThanOrEqual(255);
      expect(relay(uid, 's1', 'payload')).toEqual({ uid, streamId: 's1', data: 'payload', epoch: 42, seq: 7 });
    }
  });

  it('property: any valid stream id, ASCII uid and payload round-trips', () => {
    const streamId = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
    const uid = fc.oneof(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.string({ minLength: 1, maxLength: 255 }));
    const data = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 200 }), fc.uint8Array({ maxLength: 200 }));
    fc.assert(
      fc.property(uid, streamId, data, (u, s, d) => {
        const out = relay(u, s, d);
        expect(out.uid).toBe(u);
        expect(out.streamId).toBe(s);
        if (typeof d === 'string') expect(out.data).toBe(d);
        else expect([...(out.data as Uint8Array)]).toEqual([...d]);
      }),
      { numRuns: 300 },
    );
  });

  it('truncated frames throw ProtocolError', () => {
    const full = encodeServerData(123456, 'stream', 1, 9, 3, new TextEncoder().encode('text'));
    const idEnd = 2 + 'stream'.length + 8; // stream id, then epoch and seq
    for (const cut of [0, 1, 2, 5, idEnd - 8, idEnd - 1, idEnd, idEnd + 1, idEnd + 4]) expectProtocolError(() => decodeServerData(full.subarray(0, cut)));
    const named = encodeServerData('alice', 'stream', 0, 9, 3, new Uint8Array([1]));
    for (const cut of [idEnd + 1, idEnd + 2, idEnd + 6]) expectProtocolError(() => decodeServerData(named.subarray(0, cut)));
    // A message numbered 0 is no message: numbers start at 1.
    expectProtocolError(() => decodeDataHeader(encodeClientData('stream', 9, 0, 'x')));
    expectProtocolError(() => decodeDataHeader(new Uint8Array([])));
    expectProtocolError(() => decodeDataHeader(new Uint8Array([0])));
    expectProtocolError(() => decodeDataHeader(new Uint8Array([0, 10, 65])));
  });

  it('junk frames throw ProtocolError', () => {
    expectProtocolError(() => decodeDataHeader(new Uint8Array([2, 1, 65]))); // unknown flag
    expectProtocolError(() => decodeDataHeader(new Uint8Array([0, 0]))); // empty stream id
    expectProtocolError(() => decodeDataHeader(new Uint8Array([0, 1, 32]))); // bad stream id char
    expectProtocolError(() => decodeDataHeader(new Uint8Array([0, 2, 0xc3, 0x28]))); // invalid UTF-8
    expectProtocolError(() => decodeServerData(new Uint8Array([0, 1, 65, 0, 0, 0, 1, 0, 0, 0, 1, 9]))); // unknown uid tag
    expectProtocolError(() => decodeServerData(new Uint8Array([0, 1, 65, 1, 0]))); // empty string uid
    expectProtocolError(() => decodeServerData(new Uint8Array([1, 1, 65, 0, 0, 0, 0, 1, 0xff]))); // text payload not UTF-8
  });

  it('property: random bytes never make the decoders throw anything but ProtocolError', () => {
    const check = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        if (!(error instanceof ProtocolError)) throw error;
      }
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.nat(8), (frame, offset) => {
        // Also as a view into a larger buffer, as a socket may deliver it.
        const padded = new Uint8Array(frame.length + offset);
        padded.set(frame, offset);
        for (const f of [frame, padded.subarray(offset)]) {
          check(() => decodeServerData(f));
          check(() => decodeDataHeader(f));
        }
      }),
      { numRuns: 2000 },
    );
    // Biased towards plausible headers, so the deeper branches are reached too.
    const plausible = fc
      .tuple(fc.constantFrom(0, 1), fc.nat(4), fc.constantFrom(0, 1, 2), fc.uint8Array({ maxLength: 12 }))
      .map(([flags, idLen, tag, rest]) => new Uint8Array([flags, idLen, ...'abcd'.slice(0, idLen).split('').map((c) => c.charCodeAt(0)), tag, ...rest]));
    fc.assert(
      fc.property(plausible, (frame) => {
        check(() => decodeServerData(frame));
        check(() => decodeDataHeader(frame));
      }),
      { numRuns: 2000 },
    );
  });
});
