/** fast-check arbitraries of every valid wire frame, both directions (for round trips and as fuzz seeds). */
import fc from 'fast-check';
import { ERROR_CODES } from '../../src/errors.js';
import { CHANNEL_NAME_PATTERN, MAX_NUMERIC_UID, PROTOCOL_VERSION, STREAM_ID_PATTERN, type ClientFrame, type PresenceEntry, type ServerFrame } from '../../src/protocol.js';
import { PEER_LEAVE_REASONS, STREAM_REMOVED_REASONS } from '../../src/wire-words.js';

export const arbUid = fc.oneof(fc.integer({ min: 0, max: MAX_NUMERIC_UID }), fc.string({ minLength: 1, maxLength: 255, unit: 'grapheme' }).filter((s) => s.length <= 255));
export const arbChannel = fc.stringMatching(CHANNEL_NAME_PATTERN);
export const arbStreamId = fc.stringMatching(STREAM_ID_PATTERN);
const arbTokenText = fc.string({ minLength: 1, maxLength: 2047 });
const arbAppId = fc.string({ minLength: 1, maxLength: 128 });
const arbRequestId = fc.nat();
const arbTimestamp = fc.double({ noNaN: true, noDefaultInfinity: true });
const arbStreamRef = fc.record({ uid: arbUid, streamId: arbStreamId });
const arbMessage = fc.string({ maxLength: 1024 });
const arbRole = fc.constantFrom('host' as const, 'audience' as const);
const arbCount = fc.nat();

export const arbClientFrame: fc.Arbitrary<ClientFrame> = fc.oneof(
  fc.record(
    {
      type: fc.constant('join' as const),
      v: fc.oneof(fc.constant(PROTOCOL_VERSION), fc.integer()),
      appId: arbAppId,
      channel: arbChannel,
      uid: fc.option(arbUid, { nil: null }),
      token: fc.option(arbTokenText, { nil: null }),
      sessionId: fc.string({ maxLength: 64 }),
      role: arbRole,
      streams: fc.array(arbStreamId, { maxLength: 64 }),
      subscriptions: fc.array(arbStreamRef, { maxLength: 20 }),
    },
    { requiredKeys: ['type', 'v', 'appId', 'channel', 'uid', 'token', 'role', 'streams', 'subscriptions'] },
  ),
  fc.record({ type: fc.constant('ping' as const), ts: arbTimestamp }),
  fc.record({ type: fc.constant('publish' as const), id: arbRequestId, streamId: arbStreamId }),
  fc.record({ type: fc.constant('unpublish' as const), id: arbRequestId, streamId: arbStreamId }),
  fc.record({ type: fc.constant('subscribe' as const), id: arbRequestId, uid: arbUid, streamId: arbStreamId }),
  fc.record({ type: fc.constant('unsubscribe' as const), id: arbRequestId, uid: arbUid, streamId: arbStreamId }),
  fc.record({ type: fc.constant('renew-token' as const), id: arbRequestId, token: arbTokenText }),
  fc.record({ type: fc.constant('leave' as const), id: arbRequestId }),
  fc.record({ type: fc.constant('set-role' as const), id: arbRequestId, role: arbRole }),
);

const arbSnapshot = fc.record({ uid: arbUid, streams: fc.array(arbStreamId, { maxLength: 8 }) });

const arbPresenceEntry: fc.Arbitrary<PresenceEntry> = fc.oneof(
  fc.record({ type: fc.constant('peer-online' as const), uid: arbUid }),
  fc.record({ type: fc.constant('peer-leave' as const), uid: arbUid, reason: fc.constantFrom(...PEER_LEAVE_REASONS) }),
  fc.record({ type: fc.constant('stream-added' as const), uid: arbUid, streamId: arbStreamId }),
  fc.record({
    type: fc.constant('stream-removed' as const),
    uid: arbUid,
    streamId: arbStreamId,
    reason: fc.constantFrom(...STREAM_REMOVED_REASONS),
  }),
);

export const arbServerFrame: fc.Arbitrary<ServerFrame> = fc.oneof(
  fc.record({
    type: fc.constant('joined' as const),
    v: fc.constant(PROTOCOL_VERSION),
    uid: arbUid,
    sessionId: fc.string(),
    resumed: fc.boolean(),
    peers: fc.array(arbSnapshot, { maxLength: 8 }),
    tokenExpiresAt: fc.option(arbTimestamp, { nil: null }),
    serverTime: arbTimestamp,
    role: arbRole,
    channel: fc.record({ hosts: arbCount, audience: arbCount }),
  }),
  fc.record({ type: fc.constant('pong' as const), ts: arbTimestamp, serverTime: arbTimestamp }),
  fc.record({ type: fc.constant('ack' as const), id: arbRequestId }),
  fc.record(
    { type: fc.constant('error' as const), id: arbRequestId, code: fc.constantFrom(...ERROR_CODES), message: arbMessage },
    { requiredKeys: ['type', 'code', 'message'] },
  ),
  fc.record({ type: fc.constant('presence' as const), events: fc.array(arbPresenceEntry, { minLength: 1, maxLength: 20 }) }),
  fc.record({ type: fc.constant('channel-info' as const), hosts: arbCount, audience: arbCount }),
  fc.record({
    type: fc.constant('kicked' as const),
    reason: fc.constantFrom('UID_BANNED' as const, 'TOKEN_EXPIRE' as const, 'INVALID_TOKEN' as const, 'SERVER_ERROR' as const),
    message: arbMessage,
  }),
  fc.constant({ type: 'server-closing' as const }),
  fc.record({ type: fc.constant('token-will-expire' as const), expiresAt: arbTimestamp }),
);

/** Hostile values for a field: wrong types, huge and odd numbers, deep nesting, pollution keys. */
export const arbHostileValue = fc.oneof(
  fc.jsonValue(),
  fc.constantFrom(1e308, -1e308, 2 ** 53 + 1, -1, 0.5, -0, 2 ** 32, '', 'x'.repeat(5000), true, null, [], {}),
  fc.integer({ min: 1, max: 200 }).map((depth) => JSON.parse('['.repeat(depth) + ']'.repeat(depth)) as unknown),
  fc.constant(JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}') as unknown),
);
