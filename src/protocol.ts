/**
 * The wire protocol: every frame is a member of a discriminated union, validated on both ends.
 * Control frames are JSON text; stream data travels in binary frames (see `encodeData*`).
 */
import { CHANNEL_NAME_PATTERN, MAX_NUMERIC_UID, PROTOCOL_VERSION, STREAM_ID_PATTERN } from './limits.js';
import { CloseCode } from './outcomes.js';
import { ProtocolError } from './wire-check.js';
import type { Uid } from './types.js';

export { CHANNEL_NAME_PATTERN, CloseCode, MAX_NUMERIC_UID, PROTOCOL_VERSION, STREAM_ID_PATTERN };

// ---- client -> server: src/client-frames.ts (the server's decoder: valibot stays out of the worker) ----
export type { ClientFrame, JoinFrame } from './client-frames.js';
import type { ClientFrame } from './client-frames.js';

// ---- server -> client: src/server-frames.ts ----
export { decodePresenceEntry, decodeServerFrame } from './server-frames.js';
export type { ErrorFrame, JoinedFrame, KickedFrame, PresenceEntry, ServerFrame, SnapshotFrame } from './server-frames.js';
import type { ServerFrame } from './server-frames.js';

export { ProtocolError };

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
