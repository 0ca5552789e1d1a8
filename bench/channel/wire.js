// The raw wire protocol as bench:channel's clients speak it (docs/protocol.md): the join frame,
// the binary heartbeat, data frames, and one clock that every process of the run shares.
import WebSocket from 'ws';
import { PROTOCOL_VERSION } from 'channel-link';
import { encodeHeartbeat } from '../../dist/src/heartbeat-frame.js';
import { decodeServerDataHeader, encodeClientData } from '../../dist/src/protocol.js';

/**
 * Milliseconds on the system's monotonic clock (CLOCK_MONOTONIC): the same clock in every process
 * of the machine, so a time taken in one process can be subtracted from one taken in another.
 */
export const now = () => Number(process.hrtime.bigint()) / 1e6;

export const joinFrame = ({ channel, uid, role }) =>
  JSON.stringify({ type: 'join', v: PROTOCOL_VERSION, appId: 'bench', channel, uid, token: null, role, streams: [], subscriptions: [] });

export const heartbeatFrame = (ts) => Buffer.from(encodeHeartbeat(ts));

/** The first byte of a binary frame tells the heartbeat (0x80) from data. */
export const isHeartbeat = (buf) => buf[0] === 0x80;

/** A data frame whose payload is the send time on `now()`, as text. */
export const timedData = (streamId, seq) => encodeClientData(streamId, 1, seq, String(now()));

/** How long ago a data frame from the server was sent (its payload is a `now()` time). */
export function ageOf(buf) {
  const { payloadOffset } = decodeServerDataHeader(buf);
  return now() - Number(buf.toString('latin1', payloadOffset));
}

/**
 * One raw client: a socket that joins, answers requests by id and calls `on(frame)` for every
 * other text frame (parsed) and `onData(buf)` for data. Used by the parent for the few hosts.
 */
export class RawMember {
  constructor(url, { channel, uid, role }, on = () => {}) {
    this.ws = new WebSocket(url, { perMessageDeflate: false });
    this.pending = new Map();
    this.nextId = 1;
    this.seq = 0;
    this.onData = () => {};
    this.ws.on('error', () => {});
    this.joined = new Promise((resolve, reject) => {
      this.ws.on('open', () => {
        this.joinSentAt = now();
        this.ws.send(joinFrame({ channel, uid, role }));
      });
      this.ws.on('close', (code, reason) => reject(new Error(`uid ${uid}: closed ${code} ${reason}`)));
      this.ws.on('message', (raw, isBinary) => {
        if (isBinary) return isHeartbeat(raw) || this.onData(raw);
        const frame = JSON.parse(raw.toString());
        if (frame.type === 'joined') resolve(frame);
        else if ((frame.type === 'ack' || frame.type === 'error') && this.pending.has(frame.id)) {
          this.pending.get(frame.id)(frame);
          this.pending.delete(frame.id);
        } else on(frame);
      });
    });
    this.joined.catch(() => {});
    // From the join on: a heartbeat before it would be a malformed first frame.
    this.heartbeat = null;
    this.joined.then(() => {
      this.heartbeat = setInterval(() => this.ws.readyState === WebSocket.OPEN && this.ws.send(heartbeatFrame(now())), 1000);
    }, () => {});
  }

  /** Sends a request with a fresh id; resolves with its ack, rejects with its error. */
  request(frame) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, (reply) => (reply.type === 'ack' ? resolve() : reject(new Error(`${frame.type}: ${reply.code} ${reply.message}`))));
      this.ws.send(JSON.stringify({ ...frame, id }));
    });
  }

  sendTimed(streamId) {
    this.ws.send(timedData(streamId, ++this.seq));
  }

  close() {
    clearInterval(this.heartbeat);
    this.ws.terminate();
  }
}

/**
 * A RawMember that has joined: opened again, up to `attempts` times, when its socket closes
 * before the join is answered (an overloaded server cuts a handshake that waited too long).
 */
export async function joinedMember(url, who, on, attempts = 3) {
  for (let attempt = 1; ; attempt++) {
    const member = new RawMember(url, who, on);
    try {
      await member.joined;
      return member;
    } catch (error) {
      member.close();
      if (attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
