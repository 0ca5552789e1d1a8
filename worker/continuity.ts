/**
 * Where each stream stands across a reconnect (docs/behaviour.md, Stream data across an outage),
 * as pure steps over what the client publishes and subscribes to: what a (re)join tells of every
 * stream, and whether an arriving message is new, a repeat, or comes after a gap.
 */
import type { JoinedFrame, ServerDataFrame } from '../src/protocol.js';
import type { ChannelEvent } from '../src/types.js';
import type { LocalMedia } from './local-media.js';

export interface Continuation {
  /** Messages lost, as `stream-gap` events. */
  gaps: ChannelEvent[];
  /** What the outboxes send again (the server does not have it). */
  resend: Uint8Array[];
  /** The server knew every stream, so no loss can have gone unseen. */
  vouched: boolean;
}

/**
 * After a (re)join: for each subscription the server says what it will replay, and a gap before
 * that was lost; for each published stream it says the newest message it has, and the outbox
 * resends what came after (a gap if it no longer has it).
 */
export function continueStreams(media: LocalMedia, frame: JoinedFrame, rejoin: boolean, now: number): Continuation {
  const gaps: ChannelEvent[] = [];
  let vouched = true;
  for (const sub of media.subscriptions) {
    const position = sub.at;
    if (!position) continue;
    const replay = frame.replay?.find((r) => r.uid === sub.uid && r.streamId === sub.streamId);
    if (!replay) {
      vouched = false;
      continue;
    }
    if (replay.epoch === position[0] && replay.from > position[1] + 1) {
      gaps.push({ type: 'stream-gap', uid: sub.uid, streamId: sub.streamId, from: position[1] + 1, to: replay.from - 1 });
      media.subscription(sub.uid, sub.streamId)!.at = [replay.epoch, replay.from - 1];
    }
  }
  const resend: Uint8Array[] = [];
  for (const [streamId, outbox] of media.published) {
    const held = frame.published?.find((p) => p.streamId === streamId) ?? null;
    const { resend: again, lost } = outbox.resume(held, now);
    if (lost) gaps.push({ type: 'stream-gap', uid: frame.uid, streamId, ...lost });
    if (rejoin && held === null && outbox.sentAny) vouched = false;
    resend.push(...again);
  }
  return { gaps, resend, vouched };
}

/**
 * Each message once, in order: a resend or replay of one delivered already is dropped (null), and
 * a jump in the numbering is a gap the app is told of. Moves the subscription's position.
 */
export function admitMessage(sub: { at?: [number, number] | undefined }, frame: ServerDataFrame): { gap: ChannelEvent | null } | null {
  let gap: ChannelEvent | null = null;
  if (sub.at && sub.at[0] === frame.epoch) {
    if (frame.seq <= sub.at[1]) return null;
    if (frame.seq > sub.at[1] + 1) gap = { type: 'stream-gap', uid: frame.uid, streamId: frame.streamId, from: sub.at[1] + 1, to: frame.seq - 1 };
  }
  sub.at = [frame.epoch, frame.seq];
  return { gap };
}
