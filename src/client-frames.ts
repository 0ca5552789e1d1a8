/**
 * The frames a client sends, as the server decodes them: each a strict valibot schema, validated
 * before any handler sees it. A module of its own so that the worker, which only encodes these
 * frames, ships no schema library.
 */
import * as v from 'valibot';
import { validateAttributes } from './validation.js';
import {
  MAX_APP_ID_LENGTH,
  MAX_ATTRIBUTE_KEYS,
  MAX_ATTRIBUTES_BYTES,
  MAX_SESSION_ID_LENGTH,
  MAX_STREAMS_PER_MEMBER,
  MAX_SUBSCRIPTIONS_PER_MEMBER,
  MAX_TOKEN_LENGTH,
} from './limits.js';
import { ProtocolError, STREAM_ID_RULE, UID_RULE, isChannel, isFiniteNumber, isInt, isScore, isStreamId, isStringMap, isText, isU32, isUid } from './wire-check.js';
import type { Uid } from './types.js';
import { CLIENT_ROLES } from './wire-words.js';

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

/** Decodes and validates a client's text frame; a ProtocolError says what is wrong. */
export const decodeClientFrame = (text: string): ClientFrame => decodeJson(ClientFrameSchema, text);
