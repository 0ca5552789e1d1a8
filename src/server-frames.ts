/**
 * Every frame the server sends, as a strict check (src/wire-check.ts) that is also its type. The
 * client's engine decodes each one with it (docs/protocol.md, Server → client, Presence). Each
 * frame is the shape of its keys but `type`, which byType() adds.
 */
import { ERROR_CODES } from './errors.js';
import { MAX_ERROR_MESSAGE_LENGTH } from './limits.js';
import type { Uid } from './types.js';
import { CLIENT_ROLES, KICK_REASONS, PEER_LEAVE_REASONS, STREAM_REMOVED_REASONS } from './wire-words.js';
import {
  STREAM_ID_RULE,
  UID_RULE,
  array,
  boolean,
  byType,
  decodeWith,
  field,
  isCount,
  isFiniteNumber,
  isInt,
  isQualityPair,
  isScore,
  isStreamId,
  isStringMap,
  isText,
  isU32,
  isUid,
  nullable,
  object,
  oneOf,
  optional,
  string,
  type Check,
} from './wire-check.js';

const uid = field<Uid>(isUid, UID_RULE);
const streamId = field<string>(isStreamId, STREAM_ID_RULE);
const timestamp = field<number>(isFiniteNumber, 'a timestamp is a finite number');
const count = field<number>(isCount, 'a count is an integer 0 or more');
const u32 = field<number>(isU32, 'an integer 0..4294967295');
const score = field<number>(isScore, 'a quality score is an integer 0..6');
/** A wait or a window the server gives, in ms: at most what setTimeout can wait. */
const holdMs = field<number>(isInt(0, 2 ** 31 - 1), 'a duration is an integer number of ms');
const requestId = field<number>(isInt(0, Number.MAX_SAFE_INTEGER), 'a request id is an integer 0 or more');
const message = field<string>(isText(0, MAX_ERROR_MESSAGE_LENGTH), `a message is a string of at most ${MAX_ERROR_MESSAGE_LENGTH} characters`);
const attributes = field<Record<string, string>>(isStringMap, 'attributes map strings to strings');
const channelCounts = { hosts: count, audience: count };

/** A host as a snapshot lists it; attributes and quality are left out while empty / unknown. */
const peerSnapshot = object({ uid, streams: array(streamId), attributes: optional(attributes), quality: optional(field<[number, number]>(isQualityPair, 'quality is [uplink, downlink]')) });

/** The server's answer to a join: the session, the channel as it is, what to resume. */
const joined = {
  v: field<number>(Number.isInteger, 'a protocol version is an integer'),
  uid,
  sessionId: string,
  resumed: boolean,
  peers: array(peerSnapshot),
  tokenExpiresAt: nullable(timestamp),
  serverTime: timestamp,
  /** The role the server applied (what the join asked for, unless the hosts were full on a resume). */
  role: oneOf(CLIENT_ROLES),
  /** The channel's counts as of this join. */
  channel: object(channelCounts),
  /**
   * The server lost its state (restart, store outage): peers missing from `peers` may still be
   * coming back. Hold back their leave this long; emit nothing for those that do come back.
   */
  holdMs: optional(holdMs),
  /** How long the server keeps each stream's recent messages (the continuity window). */
  continuityMs: optional(holdMs),
  /** The newest [epoch, seq] the server holds of each stream this member publishes: the client resends what came after. */
  published: optional(array(object({ streamId, epoch: u32, seq: u32 }))),
  /**
   * For each subscription that gave a position the server can continue: the messages from..to of
   * that epoch follow at once, before any newer one (from > to: none was missed). A gap between
   * the position and `from` was lost.
   */
  replay: optional(array(object({ uid, streamId, epoch: u32, from: u32, to: u32 }))),
};

/** A change of the channel's hosts, as members are told it: several ride in one `presence` frame. */
const presenceEntry = byType({
  'peer-online': { uid, attributes: optional(attributes) },
  'peer-leave': { uid, reason: oneOf(PEER_LEAVE_REASONS) },
  'stream-added': { uid, streamId },
  'stream-removed': { uid, streamId, reason: oneOf(STREAM_REMOVED_REASONS) },
  attributes: { uid, attributes },
  /** A host's quality as it reports it: uplink (the server's view), downlink (its own). */
  quality: { uid, up: score, down: score },
});

const error = {
  id: optional(requestId),
  code: oneOf(ERROR_CODES),
  message,
  /** With SERVER_BUSY: how long the client waits before it tries again. */
  retryAfterMs: optional(holdMs),
};
const kicked = { reason: oneOf(KICK_REASONS), message };
/** The channel as it is now (after a store outage or missed events): the client diffs it against what it knows. */
const snapshot = { peers: array(peerSnapshot), holdMs: optional(holdMs), channel: optional(object(channelCounts)) };

const serverFrame = byType({
  joined,
  pong: { ts: timestamp, serverTime: timestamp },
  ack: { id: requestId },
  error,
  /** Changes of the channel's hosts, in the channel's order, batched (a server never sends none). */
  presence: { events: array(presenceEntry) },
  /** The channel's counts changed (sent at most once a second). */
  'channel-info': channelCounts,
  /** The server's view of the client's uplink changed (sent at most every 2 s). */
  uplink: { quality: score },
  kicked,
  /** The server is shutting down or restarting: reconnect (and resume) rather than give up. */
  'server-closing': {},
  'token-will-expire': { expiresAt: timestamp },
  snapshot,
});

type Of<C> = C extends Check<infer T> ? T : never;
export type ServerFrame = Of<typeof serverFrame>;
export type PresenceEntry = Of<typeof presenceEntry>;
export type JoinedFrame = Extract<ServerFrame, { type: 'joined' }>;
export type ErrorFrame = Extract<ServerFrame, { type: 'error' }>;
export type KickedFrame = Extract<ServerFrame, { type: 'kicked' }>;
export type SnapshotFrame = Extract<ServerFrame, { type: 'snapshot' }>;

export const decodeServerFrame = (text: string): ServerFrame => decodeWith(serverFrame, text);
/** One presence entry (as the Redis store carries channel events between nodes). */
export const decodePresenceEntry = (text: string): PresenceEntry => decodeWith(presenceEntry, text);
