/**
 * One lane of the live fuzzer: connects again and again, joins (mostly validly, with its own
 * token), then fires a batch of valid, mutated and junk frames, waits until the server has dealt
 * with them (a pong, or the close), and leaves, vanishes or goes on with another batch.
 */
import WebSocket from 'ws';
import { PROTOCOL_VERSION, type ClientFrame } from '../../src/protocol.js';
import { int, mutateControl, mutateData, pick, randomBytes, type Rng } from './mutate.js';

export interface LaneOptions {
  url: string;
  rng: Rng;
  appId: string;
  channel: string;
  uid: number;
  token: string;
  /** Valid client frames of every type (random content) to send and to mutate. */
  pool: readonly ClientFrame[];
  /** Stops the lane (checked between connections). */
  done: () => boolean;
}

export interface LaneStats {
  connections: number;
  framesSent: number;
  closedByServer: number;
}

type Frame = string | Uint8Array | { rawText: Uint8Array };

function send(ws: WebSocket, frame: Frame): boolean {
  if (ws.readyState !== WebSocket.OPEN) return false;
  if (typeof frame === 'string') ws.send(frame);
  else if (frame instanceof Uint8Array) ws.send(frame, { binary: true });
  else ws.send(frame.rawText, { binary: false });
  return true;
}

function open(url: string): Promise<WebSocket | null> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', () => resolve(null));
  });
}

/** Resolves 'pong' on a pong for `ts`, 'closed' on close, 'timeout' after `ms`. */
function settle(ws: WebSocket, ts: number, ms: number): Promise<'pong' | 'closed' | 'timeout'> {
  return new Promise((resolve) => {
    if (ws.readyState !== WebSocket.OPEN) return resolve('closed');
    const finish = (result: 'pong' | 'closed' | 'timeout'): void => {
      clearTimeout(timer);
      ws.off('message', onMessage);
      ws.off('close', onClose);
      resolve(result);
    };
    const onMessage = (data: WebSocket.RawData, isBinary: boolean): void => {
      if (!isBinary && data.toString().includes(`"ts":${ts},`)) finish('pong');
    };
    const onClose = (): void => finish('closed');
    const timer = setTimeout(() => finish('timeout'), ms);
    ws.on('message', onMessage);
    ws.on('close', onClose);
  });
}

function joinFrame(o: LaneOptions): Record<string, unknown> {
  return { type: 'join', v: PROTOCOL_VERSION, appId: o.appId, channel: o.channel, uid: o.uid, token: o.token, role: 'host', streams: ['f1'], subscriptions: [] };
}

function batchFrame(o: LaneOptions, mutationRate: number): Frame {
  const { rng } = o;
  const roll = rng();
  if (roll < 0.1) return mutateData(rng, pick(rng, ['f1', 'f2', 's1']));
  const base = pick(rng, o.pool) as unknown as Record<string, unknown>;
  if (roll < 0.1 + mutationRate) {
    const mutated = mutateControl(rng, base);
    return typeof mutated === 'string' ? mutated : { rawText: mutated };
  }
  return JSON.stringify(base);
}

export async function runLane(o: LaneOptions): Promise<LaneStats> {
  const stats: LaneStats = { connections: 0, framesSent: 0, closedByServer: 0 };
  const { rng } = o;
  let ts = 900_000_000; // far from the pool's timestamps, so the barrier's pong is recognised
  while (!o.done()) {
    const ws = await open(o.url);
    if (!ws) continue;
    stats.connections++;
    ws.on('error', () => undefined);
    ws.on('message', () => undefined);
    const first = rng();
    let frame: Frame;
    if (first < 0.8) frame = JSON.stringify(joinFrame(o));
    else if (first < 0.95) {
      const mutated = mutateControl(rng, joinFrame(o));
      frame = typeof mutated === 'string' ? mutated : { rawText: mutated };
    } else frame = randomBytes(rng, 64);
    if (send(ws, frame)) stats.framesSent++;

    // Up to three batches on this connection, as long as the server keeps it open.
    for (let batch = 0; batch < 1 + int(rng, 3) && ws.readyState === WebSocket.OPEN; batch++) {
      const mutationRate = 0.02 + rng() * 0.25;
      for (let i = 5 + int(rng, 40); i > 0; i--) if (send(ws, batchFrame(o, mutationRate))) stats.framesSent++;
      const id = ts++;
      if (send(ws, JSON.stringify({ type: 'ping', ts: id }))) stats.framesSent++;
      if ((await settle(ws, id, 2000)) === 'closed') stats.closedByServer++;
    }
    if (ws.readyState === WebSocket.OPEN) {
      if (rng() < 0.5) ws.terminate(); // vanish: the server times the session out
      else {
        send(ws, JSON.stringify({ type: 'leave', id: 1 }));
        await settle(ws, -1, 500);
        ws.terminate();
      }
    }
  }
  return stats;
}
