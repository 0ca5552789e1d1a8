/**
 * The wire protocol: every frame is a member of a discriminated union, validated on both ends.
 * Control frames are JSON text; stream data travels in binary frames (see `encodeData*`).
 */
import * as v from 'valibot';
import { ChannelLinkError, ERROR_CODES } from './errors.js';
import { validateAttributes } from './validation.js';
import {
  CHANNEL_NAME_PATTERN,
  MAX_APP_ID_LENGTH,
  MAX_ATTRIBUTE_KEYS,
  MAX_ATTRIBUTES_BYTES,
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
import { ProtocolError, STREAM_ID_RULE, UID_RULE, isChannel, isFiniteNumber, isInt, isScore, isStreamId, isStringMap, isText, isU32, isUid } from './wire-check.js';
import type { Uid } from './types.js';
import { CLIENT_ROLES, KICK_REASONS, PEER_LEAVE_REASONS, STREAM_REMOVED_REASONS } from './wire-words.js';

export { CHANNEL_NAME_PATTERN, CloseCode, MAX_NUMERIC_UID, PROTOCOL_VERSION, STREAM_ID_PATTERN };

// Primitive fields: the predicates of src/wire-check.ts, each with its rule as the message.
const is = <T>(check: (value: unknown) => boolean, message: string) => v.custom<T>(check, message);
const uidSchema = is<Uid>(isUid, UID_RULE);
const channelSchema = is<string>(isChannel, 'a channel name is 1-64 characters of letters, digits, space and !#$%&()+-:;<=.>?@[]^_{|}~,');
const streamIdSchema = is<string>(isStreamId, STREAM_ID_RULE);
const presentToken = is<string>(isText(1, MAX_TOKEN_LENGTH), `a token is a string of 1-${MAX_TOKEN_LENGTH} characters`);
const tokenSchema = v.nullable(presentToken);
const appIdSchema = is<string>(isText(1, MAX_APP_ID_LENGTH), `an app id is a string of 1-${MAX_APP_ID_LENGTH} characters`);
const requestId = is<number>(isInt(0, Number.MAX_SAFE_INTEGER), 'a request id is an integer 0 or more');
const timestamp = is<number>(isFiniteNumber, 'a timestamp is a finite number');
const u32 = is<number>(isU32, 'an integer 0..4294967295');
const version = is<number>(Number.isInteger, 'a protocol version is an integer');
/** A subscription in a join frame; `at`: the [epoch, seq] of the last message delivered, to resume after it. */
const streamRef = v.strictObject({ uid: uidSchema, streamId: streamIdSchema, at: v.optional(v.tuple([u32, u32])) });
const errorMessage = is<string>(isText(0, MAX_ERROR_MESSAGE_LENGTH), `a message is a string of at most ${MAX_ERROR_MESSAGE_LENGTH} characters`);
const roleSchema = v.picklist(CLIENT_ROLES);
/** String keys and values within the attribute limits (src/validation.ts says why not, with the same words as the API). */
const attributesSchema = v.pipe(
  v.record(v.string(), v.string()),
  v.check((value) => {
    try {
      validateAttributes(value);
      return true;
    } catch {
      return false;
    }
  }, `attributes: at most ${MAX_ATTRIBUTE_KEYS} non-empty keys, string values, ${MAX_ATTRIBUTES_BYTES} bytes as JSON`),
);
/** A quality score on the 0..6 scale (src/quality.ts). */
const score = is<number>(isScore, 'a quality score is an integer 0..6');
/** String keys, string values (a set's limits are the handler's to check). */
const sentAttributes = is<Record<string, string>>(isStringMap, 'attributes map strings to strings');

// ---- client -> server ----
const JoinFrame = v.strictObject({
  type: v.literal('join'),
  v: version,
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
  /** The member's attributes (republished on every rejoin, like its streams). */
  attributes: v.optional(attributesSchema),
  /** The client's heartbeat period, so the server can tell a missing heartbeat from a slow one. */
  heartbeatMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(600_000))),
});
const PingFrame = v.strictObject({ type: v.literal('ping'), ts: timestamp });
const PublishFrame = v.strictObject({ type: v.literal('publish'), id: requestId, streamId: streamIdSchema });
const UnpublishFrame = v.strictObject({ type: v.literal('unpublish'), id: requestId, streamId: streamIdSchema });
/** `at`: resubscribing to a stream that came back, the [epoch, seq] of the last message delivered: the server replays what came after. */
const SubscribeFrame = v.strictObject({ type: v.literal('subscribe'), id: requestId, uid: uidSchema, streamId: streamIdSchema, at: v.optional(v.tuple([u32, u32])) });
const UnsubscribeFrame = v.strictObject({ type: v.literal('unsubscribe'), id: requestId, uid: uidSchema, streamId: streamIdSchema });
const RenewTokenFrame = v.strictObject({ type: v.literal('renew-token'), id: requestId, token: presentToken });
const LeaveFrame = v.strictObject({ type: v.literal('leave'), id: requestId });
/**
 * Replaces the member's attributes; acked once stored (a burst is coalesced: the last value wins).
 * The limits are the handler's to check, so a set past them is refused (INVALID_PARAMS), not a protocol error.
 */
const SetAttributesFrame = v.strictObject({ type: v.literal('set-attributes'), id: requestId, attributes: sentAttributes });
/** The client's downlink quality changed (one-way, at most every 2 s). */
const QualityFrame = v.strictObject({ type: v.literal('quality'), down: score });
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
  SetAttributesFrame,
  QualityFrame,
]);
export type ClientFrame = v.InferOutput<typeof ClientFrameSchema>;
export type JoinFrame = v.InferOutput<typeof JoinFrame>;

// ---- server -> client: src/server-frames.ts ----
export { decodePresenceEntry, decodeServerFrame } from './server-frames.js';
export type { ErrorFrame, JoinedFrame, KickedFrame, PresenceEntry, ServerFrame, SnapshotFrame } from './server-frames.js';
import type { ServerFrame } from './server-frames.js';

export { ProtocolError };

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
