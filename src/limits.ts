/**
 * Wire-level constants that the main thread needs too. Kept apart from protocol.ts so that the
 * main-thread bundle does not pull in the schema library (valibot) through them.
 */
export const PROTOCOL_VERSION = 1;
export const CHANNEL_NAME_PATTERN = /^[a-zA-Z0-9 !#$%&()+\-:;<=.>?@[\]^_{|}~,]{1,64}$/;
export const STREAM_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const MAX_NUMERIC_UID = 2 ** 32 - 1;
