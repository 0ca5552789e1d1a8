import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HEARTBEAT_FRAME_BYTES, HEARTBEAT_TAG, encodeHeartbeat, heartbeatTimestamp, isHeartbeatFrame, isValidHeartbeat } from '../../src/heartbeat-frame.js';
import { ProtocolError, decodeDataHeader, encodeClientData } from '../../src/protocol.js';

describe('heartbeat frame', () => {
  it('is [0x80][f64 big-endian] and round-trips any finite timestamp', () => {
    const frame = encodeHeartbeat(1_700_000_000_123.5);
    expect(frame.length).toBe(HEARTBEAT_FRAME_BYTES);
    expect(frame[0]).toBe(HEARTBEAT_TAG);
    expect(new DataView(frame.buffer).getFloat64(1, false)).toBe(1_700_000_000_123.5);
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (ts) => Object.is(heartbeatTimestamp(encodeHeartbeat(ts)), ts)));
  });

  it('reads from a view into a larger buffer (as ws hands frames over)', () => {
    const big = new Uint8Array(32);
    big.set(encodeHeartbeat(42), 7);
    expect(heartbeatTimestamp(big.subarray(7, 16))).toBe(42);
  });

  it('is told apart from every data frame by its first byte', () => {
    expect(isHeartbeatFrame(encodeHeartbeat(1))).toBe(true);
    expect(isHeartbeatFrame(encodeClientData('s1', 1, 1, 'text'))).toBe(false);
    expect(isHeartbeatFrame(encodeClientData('s1', 0x80808080, 0x80808080, new Uint8Array([0x80, 0x80])))).toBe(false);
    expect(isHeartbeatFrame(new Uint8Array(0))).toBe(false);
    // A data decoder never takes a heartbeat for data: bit 7 is an unknown data flag.
    expect(() => decodeDataHeader(encodeHeartbeat(1))).toThrow(ProtocolError);
  });

  it('rejects a malformed heartbeat with a ProtocolError', () => {
    for (const bad of [Uint8Array.of(0x80), new Uint8Array(10).fill(0x80, 0, 1), new Uint8Array(9)]) {
      expect(isValidHeartbeat(bad)).toBe(false);
      expect(() => heartbeatTimestamp(bad)).toThrow(ProtocolError);
    }
    for (const ts of [NaN, Infinity, -Infinity]) expect(() => heartbeatTimestamp(encodeHeartbeat(ts))).toThrow(ProtocolError);
  });
});
