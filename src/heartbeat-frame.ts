/**
 * The heartbeat on the wire: a 9-byte binary frame, `[0x80][timestamp: f64 big-endian]`. The
 * client sends it every heartbeat interval with its clock's time; the server sends the same bytes
 * back, so the client reads its round-trip time off the echo. Bit 7 of a binary frame's first byte
 * is reserved for it (data frames never set it: src/protocol.ts rejects unknown flags), so both
 * ends tell a heartbeat from data by one byte, before any decoding. Answering it costs the server
 * what a WebSocket ping/pong costs: no JSON, no schema, no allocation of its own.
 */
import { ProtocolError } from './protocol.js';

/** The first byte of a heartbeat frame (data frames keep bit 7 clear). */
export const HEARTBEAT_TAG = 0x80;
/** Tag plus an 8-byte timestamp. */
export const HEARTBEAT_FRAME_BYTES = 9;

/** Whether a binary frame claims to be a heartbeat (its length is checked by `heartbeatTimestamp`). */
export function isHeartbeatFrame(frame: Uint8Array): boolean {
  return frame.length > 0 && frame[0] === HEARTBEAT_TAG;
}

/** A heartbeat carrying `ts` (the sender's clock, ms). */
export function encodeHeartbeat(ts: number): Uint8Array {
  const frame = new Uint8Array(HEARTBEAT_FRAME_BYTES);
  frame[0] = HEARTBEAT_TAG;
  new DataView(frame.buffer).setFloat64(1, ts);
  return frame;
}

/** Whether a heartbeat frame is well formed: the tag, then exactly 8 bytes (what the server checks before echoing it). */
export function isValidHeartbeat(frame: Uint8Array): boolean {
  return frame.length === HEARTBEAT_FRAME_BYTES && frame[0] === HEARTBEAT_TAG;
}

/** The timestamp of a heartbeat frame; a malformed one (length, tag, not a finite number) is a ProtocolError. */
export function heartbeatTimestamp(frame: Uint8Array): number {
  if (!isValidHeartbeat(frame)) throw new ProtocolError(`heartbeat frame must be ${HEARTBEAT_FRAME_BYTES} bytes`);
  const ts = new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getFloat64(1);
  if (!Number.isFinite(ts)) throw new ProtocolError('heartbeat frame has an invalid timestamp');
  return ts;
}
