/**
 * Sending a resuming subscriber what it missed (docs/behaviour.md, Stream data across an outage): the messages the store still holds
 * after the position it gave, before any newer one. Newer data waits on the session meanwhile
 * (LocalSession.holdData), and what the replay covered is not sent twice.
 */
import { streamKey } from '../src/keys.js';
import { decodeServerDataHeader } from '../src/protocol.js';
import type { Uid } from '../src/types.js';
import type { ServerContext } from './context.js';
import type { LocalSession } from './local-session.js';
import type { Replay } from './store.js';

export interface StreamReplay {
  uid: Uid;
  streamId: string;
  replay: Replay;
}

export interface Position {
  uid: Uid;
  streamId: string;
  at?: [number, number] | undefined;
}

/**
 * What the store still holds of each stream after the position given (streams it holds nothing of
 * are left out). From the moment it starts reading, the session's newer data waits, so nothing
 * slips between the read and the send; finishReplay() sends both. If the read fails, what waited
 * is sent at once.
 */
export async function prepareReplay(ctx: ServerContext, session: LocalSession, positions: readonly Position[]): Promise<StreamReplay[]> {
  if (!positions.some((p) => p.at)) return [];
  session.holdData();
  try {
    return await readReplays(ctx, session, positions);
  } catch (error) {
    session.releaseData(() => false);
    throw error;
  }
}

async function readReplays(ctx: ServerContext, session: LocalSession, positions: readonly Position[]): Promise<StreamReplay[]> {
  const read = await Promise.all(
    positions
      .filter((p) => p.at)
      .map(async ({ uid, streamId, at }) => ({ uid, streamId, replay: await ctx.store.messages.read(session.key, uid, streamId, at![0], at![1]) })),
  );
  return read.filter((r): r is StreamReplay => r.replay !== null);
}

/** Sends the replayed messages, then what waited meanwhile that the replay did not cover. */
export function finishReplay(session: LocalSession, replays: readonly StreamReplay[]): void {
  for (const { replay } of replays) for (const message of replay.messages) session.conn?.sendData(message.frame);
  const ends = new Map(replays.map((r) => [streamKey(r.uid, r.streamId), r.replay]));
  session.releaseData((frame) => {
    const { uid, streamId, epoch, seq } = decodeServerDataHeader(frame);
    const end = ends.get(streamKey(uid, streamId));
    return end !== undefined && end.epoch === epoch && seq <= end.to;
  });
}
