/**
 * The wire protocol: every frame is a member of a discriminated union, validated on both ends.
 * Control frames are JSON text; stream data travels in binary frames (see `encodeData*`).
 */
import * as v from 'valibot';
import { ChannelLinkError, ERROR_CODES } from './errors.js';
import {
  CHANNEL_NAME_PATTERN,
  MAX_APP_ID_LENGTH,
  MAX_ERROR_MESSAGE_LENGTH,
  MAX_NUMERIC_UID,
  MAX_SESSION_ID_LENGTH,
  MAX_STREAMS_PER_MEMBER,
  MAX_STRING_UID_LENGTH,
  MAX_SUBSCRIPTIONS_PER_MEMBER,
  MAX_TOKEN_LENGTH,
  PROTOCOL_VERSION,
  STREAM_ID_PATTERN,
} from './limits.js';
import { CloseCode } from './outcomes.js';
import type { Uid } from './types.js';
import { CLIENT_ROLES, KICK_REASONS, PEER_LEAVE_REASONS, STREAM_REMOVED_REASONS } from './wire-words.js';

export { CHANNEL_NAME_PATTERN, CloseCode, MAX_NUMERIC_UID, PROTOCOL_VERSION, STREAM_ID_PATTERN };

const numericUid = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(MAX_NUMERIC_UID));
const stringUid = v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_STRING_UID_LENGTH));
const uidSchema = v.union([numericUid, stringUid]);
const channelSchema = v.pipe(v.string(), v.regex(CHANNEL_NAME_PATTERN));
const streamIdSchema = v.pipe(v.string(), v.regex(STREAM_ID_PATTERN));
const presentToken = v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_TOKEN_LENGTH));
const tokenSchema = v.nullable(presentToken);
const appIdSchema = v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_APP_ID_LENGTH));
const requestId = v.pipe(v.number(), v.integer(), v.minValue(0));
const timestamp = v.pipe(v.number(), v.finite());
const u32 = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(0xffffffff));
/** A subscription in a join frame; `at`: the [epoch, seq] of the last message delivered, to resume after it. */
const streamRef = v.strictObject({ uid: uidSchema, streamId: streamIdSchema, at: v.optional(v.tuple([u32, u32])) });
const errorMessage = v.pipe(v.string(), v.maxLength(MAX_ERROR_MESSAGE_LENGTH));
const roleSchema = v.picklist(CLIENT_ROLES);
const count = v.pipe(v.number(), v.integer(), v.minValue(0));
/** The channel's members by role, the receiving member included. */
const channelCounts = v.strictObject({ hosts: count, audience: count });

// ---- client -> server ----
const JoinFrame = v.strictObject({
  type: v.literal('join'),
  v: v.pipe(v.number(), v.integer()),
  appId: appIdSchema,
  channel: channelSchema,
  uid: v.nullable(uidSchema),
  token: tokenSchema,
  /** Session to resume after a reconnect; the server starts a fresh one if it has expired. */
  sessionId: v.optional(v.pipe(v.string(), v.maxLength(MAX_SESSION_ID_LENGTH))),
  /** host: seen by everyone, may publish; audience: seen by nobody, sees the hosts (kept across rejoins). */
  role: roleSchema,
  /** Streams this client publishes (republished automatically on a rejoin). */
  streams: v.pipe(v.array(streamIdSchema), v.maxLength(MAX_STREAMS_PER_MEMBER)),
  subscriptions: v.pipe(v.array(streamRef), v.maxLength(MAX_SUBSCRIPTIONS_PER_MEMBER)),
});
const PingFrame = v.strictObject({ type: v.literal('ping'), ts: timestamp });
const PublishFrame = v.strictObject({ type: v.literal('publish'), id: requestId, streamId: streamIdSchema });
const UnpublishFrame = v.strictObject({ type: v.literal('unpublish'), id: requestId, streamId: streamIdSchema });
/** `at`: resubscribing to a stream that came back, the [epoch, seq] of the last message delivered: the server replays what came after. */
const SubscribeFrame = v.strictObject({ type: v.literal('subscribe'), id: requestId, uid: uidSchema, streamId: streamIdSchema, at: v.optional(v.tuple([u32, u32])) });
const UnsubscribeFrame = v.strictObject({ type: v.literal('unsubscribe'), id: requestId, uid: uidSchema, streamId: streamIdSchema });
const RenewTokenFrame = v.strictObject({ type: v.literal('renew-token'), id: requestId, token: presentToken });
const LeaveFrame = v.strictObject({ type: v.literal('leave'), id: requestId });
/** Becomes a host or an audience member; acked once applied. */
const SetRoleFrame = v.strictObject({ type: v.literal('set-role'), id: requestId, role: roleSchema });

export const ClientFrameSchema = v.variant('type', [
  JoinFrame,
  PingFrame,
  PublishFrame,
  UnpublishFrame,
  SubscribeFrame,
  UnsubscribeFrame,
  RenewTokenFrame,
  LeaveFrame,
  SetRoleFrame,
]);
export type ClientFrame = v.InferOutput<typeof ClientFrameSchema>;
export type JoinFrame = v.InferOutput<typeof JoinFrame>;

// ---- server -> client ----
const peerSnapshot = v.strictObject({ uid: uidSchema, streams: v.array(streamIdSchema) });
/** A wait or a window the server gives, in ms: at most what setTimeout can wait. */
const durationMs = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(2 ** 31 - 1));
const JoinedFrame = v.strictObject({
  type: v.literal('joined'),
  v: v.pipe(v.number(), v.integer()),
  uid: uidSchema,
  sessionId: v.string(),
  resumed: v.boolean(),
  peers: v.array(peerSnapshot),
  tokenExpiresAt: v.nullable(timestamp),
  serverTime: timestamp,
  /** The role the server applied (what the join asked for, unless the hosts were full on a resume). */
  role: roleSchema,
  /** The channel's counts as of this join. */
  channel: channelCounts,
  /**
   * The server lost its state (restart, store outage): peers missing from `peers` may still be
   * coming back. Hold back their leave this long; emit nothing for those that do come back.
   */
  holdMs: v.optional(durationMs),
  /** How long the server keeps each stream's recent messages (the continuity window). */
  continuityMs: v.optional(durationMs),
  /** The newest [epoch, seq] the server holds of each stream this member publishes: the client resends what came after. */
  published: v.optional(v.array(v.strictObject({ streamId: streamIdSchema, epoch: u32, seq: u32 }))),
  /**
   * For each subscription that gave a position the server can continue: the messages from..to of
   * that epoch follow at once, before any newer one (from > to: none was missed). A gap between
   * the position and `from` was lost.
   */
  replay: v.optional(v.array(v.strictObject({ uid: uidSchema, streamId: streamIdSchema, epoch: u32, from: u32, to: u32 }))),
});
/** The channel as it is now (after a store outage or missed events): the client diffs it against what it knows. */
const SnapshotFrame = v.strictObject({ type: v.literal('snapshot'), peers: v.array(peerSnapshot), holdMs: v.optional(durationMs), channel: v.optional(channelCounts) });
const PongFrame = v.strictObject({ type: v.literal('pong'), ts: timestamp, serverTime: timestamp });
const AckFrame = v.strictObject({ type: v.literal('ack'), id: requestId });
const ErrorFrame = v.strictObject({
  type: v.literal('error'),
  id: v.optional(requestId),
  code: v.picklist(ERROR_CODES),
  message: errorMessage,
  /** With SERVER_BUSY: how long the client waits before it tries again. */
  retryAfterMs: v.optional(durationMs),
});
// A change of the channel's hosts, as members are told it: several ride in one `presence` frame.
const PeerOnlineEntry = v.strictObject({ type: v.literal('peer-online'), uid: uidSchema });
const PeerLeaveEntry = v.strictObject({
  type: v.literal('peer-leave'),
  uid: uidSchema,
  reason: v.picklist(PEER_LEAVE_REASONS),
});
const StreamAddedEntry = v.strictObject({ type: v.literal('stream-added'), uid: uidSchema, streamId: streamIdSchema });
const StreamRemovedEntry = v.strictObject({
  type: v.literal('stream-removed'),
  uid: uidSchema,
  streamId: streamIdSchema,
  reason: v.picklist(STREAM_REMOVED_REASONS),
});
export const PresenceEntrySchema = v.variant('type', [PeerOnlineEntry, PeerLeaveEntry, StreamAddedEntry, StreamRemovedEntry]);
export type PresenceEntry = v.InferOutput<typeof PresenceEntrySchema>;
/** Changes of the channel's hosts, in the channel's order, batched: a join storm costs each member few frames. */
const PresenceFrame = v.strictObject({ type: v.literal('presence'), events: v.pipe(v.array(PresenceEntrySchema), v.minLength(1)) });
/** The channel's counts changed (sent at most once a second). */
const ChannelInfoFrame = v.strictObject({ type: v.literal('channel-info'), ...channelCounts.entries });
const KickedFrame = v.strictObject({
  type: v.literal('kicked'),
  reason: v.picklist(KICK_REASONS),
  message: errorMessage,
});
/** The server is shutting down or restarting: reconnect (and resume) rather than give up. */
const ServerClosingFrame = v.strictObject({ type: v.literal('server-closing') });
const TokenWillExpireFrame = v.strictObject({ type: v.literal('token-will-expire'), expiresAt: timestamp });

export const ServerFrameSchema = v.variant('type', [
  JoinedFrame,
  PongFrame,
  AckFrame,
  ErrorFrame,
  PresenceFrame,
  ChannelInfoFrame,
  KickedFrame,
  ServerClosingFrame,
  TokenWillExpireFrame,
  SnapshotFrame,
]);
export type ServerFrame = v.InferOutput<typeof ServerFrameSchema>;
export type JoinedFrame = v.InferOutput<typeof JoinedFrame>;
export type ErrorFrame = v.InferOutput<typeof ErrorFrame>;
export type KickedFrame = v.InferOutput<typeof KickedFrame>;
export type SnapshotFrame = v.InferOutput<typeof SnapshotFrame>;

/** Thrown (never anything else) by the decoders on a malformed frame. */
export class ProtocolError extends ChannelLinkError {
  constructor(message: string) {
    super('PROTOCOL_ERROR', message);
  }
}

function decodeJson<S extends v.GenericSchema>(schema: S, text: string): v.InferOutput<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ProtocolError('frame is not valid JSON');
  }
  const result = v.safeParse(schema, raw);
  if (!result.success) {
    const issue = result.issues[0];
    const path = issue.path?.map((p) => String(p.key)).join('.') ?? '';
    throw new ProtocolError(`invalid frame${path ? ` at "${path}"` : ''}: ${issue.message}`.slice(0, 300));
  }
  return result.output;
}

export const decodeClientFrame = (text: string): ClientFrame => decodeJson(ClientFrameSchema, text);
export const decodeServerFrame = (text: string): ServerFrame => decodeJson(ServerFrameSchema, text);
/** One presence entry (as the Redis store carries channel events between nodes). */
export const decodePresenceEntry = (text: string): PresenceEntry => decodeJson(PresenceEntrySchema, text);
export const encodeFrame = (frame: ClientFrame | ServerFrame): string => JSON.stringify(frame);

// ---- binary data frames ----
// client -> server: [flags u8][streamIdLen u8][streamId][epoch u32 BE][seq u32 BE][payload]
// server -> client: [flags u8][streamIdLen u8][streamId][epoch u32 BE][seq u32 BE][uidTag u8][uid: u32 BE | len u16 BE + utf8][payload]
// (a string uid is up to 255 characters, which can be up to 765 UTF-8 bytes: hence u16)
// flags bit 0: the payload is UTF-8 text (the app sent a string).
// epoch and seq: the publisher numbers each stream's messages from 1 within an epoch (a random
// number it picks per stream), so a subscriber can resume after the last one it got and tell a gap.
const FLAG_TEXT = 1;
const UID_NUMBER = 0;
const UID_STRING = 1;
const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

export interface ClientDataFrame {
  streamId: string;
  epoch: number;
  seq: number;
  data: string | Uint8Array;
}
export interface ServerDataFrame extends ClientDataFrame {
  uid: Uid;
}

function payloadBytes(data: string | Uint8Array): { bytes: Uint8Array; flags: number } {
  return typeof data === 'string' ? { bytes: utf8Encoder.encode(data), flags: FLAG_TEXT } : { bytes: data, flags: 0 };
}

export function encodeClientData(streamId: string, epoch: number, seq: number, data: string | Uint8Array): Uint8Array {
  const id = utf8Encoder.encode(streamId);
  const { bytes, flags } = payloadBytes(data);
  const out = new Uint8Array(10 + id.length + bytes.length);
  out[0] = flags;
  out[1] = id.length;
  out.set(id, 2);
  const view = new DataView(out.buffer, out.byteOffset);
  view.setUint32(2 + id.length, epoch);
  view.setUint32(6 + id.length, seq);
  out.set(bytes, 10 + id.length);
  return out;
}

/**
 * Parses the header both directions share (flags, stream id, epoch, seq); the payload stays raw
 * bytes so the server can forward it untouched.
 */
export function decodeDataHeader(frame: Uint8Array): { streamId: string; flags: number; epoch: number; seq: number; payloadOffset: number } {
  if (frame.length < 2) throw new ProtocolError('data frame too short');
  const flags = frame[0]!;
  const idLen = frame[1]!;
  if (flags & ~FLAG_TEXT) throw new ProtocolError('data frame has unknown flags');
  if (frame.length < 10 + idLen) throw new ProtocolError('data frame header truncated');
  const streamId = decodeUtf8(frame.subarray(2, 2 + idLen));
  if (!STREAM_ID_PATTERN.test(streamId)) throw new ProtocolError('data frame has an invalid stream id');
  const view = new DataView(frame.buffer, frame.byteOffset);
  const seq = view.getUint32(6 + idLen);
  if (seq === 0) throw new ProtocolError('data frame has sequence number 0');
  return { streamId, flags, epoch: view.getUint32(2 + idLen), seq, payloadOffset: 10 + idLen };
}

/** The frame subscribers get: the client's header and payload, with the publisher's uid after epoch and seq. */
export function encodeServerData(uid: Uid, streamId: string, flags: number, epoch: number, seq: number, payload: Uint8Array): Uint8Array {
  const id = utf8Encoder.encode(streamId);
  const uidBytes = typeof uid === 'string' ? utf8Encoder.encode(uid) : null;
  const uidLen = uidBytes ? 3 + uidBytes.length : 5;
  const out = new Uint8Array(10 + id.length + uidLen + payload.length);
  out[0] = flags;
  out[1] = id.length;
  out.set(id, 2);
  const view = new DataView(out.buffer, out.byteOffset);
  view.setUint32(2 + id.length, epoch);
  view.setUint32(6 + id.length, seq);
  let at = 10 + id.length;
  if (uidBytes) {
    out[at] = UID_STRING;
    view.setUint16(at + 1, uidBytes.length);
    out.set(uidBytes, at + 3);
  } else {
    out[at] = UID_NUMBER;
    view.setUint32(at + 1, uid as number);
  }
  at += uidLen;
  out.set(payload, at);
  return out;
}

/** The header of a server data frame (who sent it on which stream, its number); the payload stays raw bytes. */
export function decodeServerDataHeader(frame: Uint8Array): { uid: Uid; streamId: string; flags: number; epoch: number; seq: number; payloadOffset: number } {
  const { streamId, flags, epoch, seq, payloadOffset } = decodeDataHeader(frame);
  let at = payloadOffset;
  const tag = frame[at];
  let uid: Uid;
  if (tag === UID_NUMBER) {
    if (frame.length < at + 5) throw new ProtocolError('data frame uid truncated');
    uid = new DataView(frame.buffer, frame.byteOffset).getUint32(at + 1);
    at += 5;
  } else if (tag === UID_STRING) {
    if (frame.length < at + 3) throw new ProtocolError('data frame uid truncated');
    const len = new DataView(frame.buffer, frame.byteOffset).getUint16(at + 1);
    if (len === 0 || frame.length < at + 3 + len) throw new ProtocolError('data frame uid truncated');
    uid = decodeUtf8(frame.subarray(at + 3, at + 3 + len));
    at += 3 + len;
  } else {
    throw new ProtocolError('data frame has an unknown uid tag');
  }
  return { uid, streamId, flags, epoch, seq, payloadOffset: at };
}

export function decodeServerData(frame: Uint8Array): ServerDataFrame {
  const { uid, streamId, flags, epoch, seq, payloadOffset } = decodeServerDataHeader(frame);
  const payload = frame.subarray(payloadOffset);
  return { uid, streamId, epoch, seq, data: flags & FLAG_TEXT ? decodeUtf8(payload) : payload };
}

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return utf8Decoder.decode(bytes);
  } catch {
    throw new ProtocolError('data frame has invalid UTF-8');
  }
}
