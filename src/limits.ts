/**
 * Every size limit of the wire protocol and the public API, in one place, shared by the main
 * thread, the worker and the server. Kept apart from protocol.ts so that the main-thread bundle
 * does not pull in the schema library (valibot) through them.
 */
export const PROTOCOL_VERSION = 4;

/** Channel names (as Agora): 1-64 characters of this set. */
export const CHANNEL_NAME_PATTERN = /^[a-zA-Z0-9 !#$%&()+\-:;<=.>?@[\]^_{|}~,]{1,64}$/;
/** Stream ids: 1-64 characters, never ':' or '/' (so they can delimit keys). */
export const STREAM_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** Numeric uids are integers 0..2^32-1 (0: the server assigns one). */
export const MAX_NUMERIC_UID = 2 ** 32 - 1;
/** String uids are 1-255 characters. */
export const MAX_STRING_UID_LENGTH = 255;
/** Tokens are 1-2047 characters. */
export const MAX_TOKEN_LENGTH = 2047;
/** App ids are 1-128 characters. */
export const MAX_APP_ID_LENGTH = 128;
/** The longest wait a busy server may ask of a client (SERVER_BUSY `retryAfterMs`). */
export const MAX_RETRY_AFTER_MS = 60_000;
/** Longest session id a client may present for a resume. */
export const MAX_SESSION_ID_LENGTH = 64;
/** Streams one member may publish. */
export const MAX_STREAMS_PER_MEMBER = 64;
/**
 * Subscriptions per member: the server accepts no more, a join frame carries no more (it carries
 * the client's whole set after a reconnect), and the client refuses a subscribe() beyond it.
 */
export const MAX_SUBSCRIPTIONS_PER_MEMBER = 1024;
/**
 * The server's default largest control frame (`maxControlFrameBytes`): room for a join frame with
 * MAX_SUBSCRIPTIONS_PER_MEMBER subscriptions, each with its resume position.
 */
export const DEFAULT_MAX_CONTROL_FRAME_BYTES = 96 * 1024;
/** The largest resume position of a subscription in a join frame: `,"at":[4294967295,4294967295]`. */
export const SUBSCRIPTION_POSITION_BYTES = 29;
/** A member's attributes: at most this many keys (string keys, string values)... */
export const MAX_ATTRIBUTE_KEYS = 32;
/** ...and at most this many bytes as JSON (UTF-8). */
export const MAX_ATTRIBUTES_BYTES = 4096;
/**
 * Room in a join frame for everything but the subscriptions, each at its largest once JSON-encoded:
 * token (4094), uid (1530), app id (768), channel, session id, MAX_STREAMS_PER_MEMBER stream ids
 * (4288), the attributes (4096, escaped up to twice that) and the keys: about 19 KB, rounded up.
 */
export const JOIN_FRAME_RESERVED_BYTES = 20 * 1024;
/**
 * UTF-8 bytes the subscriptions may take in a join frame (each one's JSON with its position at its
 * largest, plus a comma), so that the frame fits the server's default control-frame limit. The
 * client refuses a subscribe() beyond it: with numeric uids and the SDK's stream ids the count
 * limit binds first.
 */
export const MAX_SUBSCRIPTION_BYTES = DEFAULT_MAX_CONTROL_FRAME_BYTES - JOIN_FRAME_RESERVED_BYTES;
/**
 * A publisher keeps each stream's recent messages (sent or not) to resend what an outage lost:
 * at most this many bytes, and this many messages (below the server's default data burst, so a
 * resend is not rate-limited).
 */
export const MAX_OUTBOX_BYTES = 1024 * 1024;
export const MAX_OUTBOX_MESSAGES = 2000;
/** Longest message of an `error` or `kicked` frame. */
export const MAX_ERROR_MESSAGE_LENGTH = 1024;
/** A WebSocket close reason is at most 123 bytes of UTF-8 (RFC 6455). */
export const MAX_CLOSE_REASON_BYTES = 123;
