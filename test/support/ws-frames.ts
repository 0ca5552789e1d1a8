/**
 * Splits one direction of a WebSocket connection into units: the HTTP upgrade head first, then one
 * unit per frame (partial data waits for the rest). Lets the fault proxy drop whole frames, e.g. a
 * share of the heartbeats, without corrupting the stream.
 */
import { HEARTBEAT_FRAME_BYTES, HEARTBEAT_TAG } from '../../src/heartbeat-frame.js';

export class FrameSplitter {
  private buffer: Buffer = Buffer.alloc(0);
  private upgraded = false;

  /** Complete units in `chunk` and what was buffered before it. */
  push(chunk: Buffer): Buffer[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const units: Buffer[] = [];
    for (;;) {
      const size = this.upgraded ? frameSize(this.buffer) : headSize(this.buffer);
      if (size === null) break;
      units.push(this.buffer.subarray(0, size));
      this.buffer = this.buffer.subarray(size);
      this.upgraded = true;
    }
    return units;
  }
}

function headSize(buffer: Buffer): number | null {
  const end = buffer.indexOf('\r\n\r\n');
  return end < 0 ? null : end + 4;
}

/** Bytes of the frame at the start of `buffer`, or null if it is not all there yet. */
function frameSize(buffer: Buffer): number | null {
  if (buffer.length < 2) return null;
  const masked = (buffer[1]! & 0x80) !== 0;
  let length = buffer[1]! & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (buffer.length < 4) return null;
    length = buffer.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (buffer.length < 10) return null;
    length = Number(buffer.readBigUInt64BE(2));
    offset = 10;
  }
  const total = offset + (masked ? 4 : 0) + length;
  return buffer.length < total ? null : total;
}

/** Whether a unit is a channel-link heartbeat (or its echo): a binary frame of 9 bytes tagged 0x80. */
export function isHeartbeatUnit(unit: Buffer): boolean {
  if (unit.length < 2 || (unit[0]! & 0x0f) !== 0x02) return false;
  const masked = (unit[1]! & 0x80) !== 0;
  if ((unit[1]! & 0x7f) !== HEARTBEAT_FRAME_BYTES) return false;
  const first = masked ? unit[6]! ^ unit[2]! : unit[2]!;
  return first === HEARTBEAT_TAG;
}
