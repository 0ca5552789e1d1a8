/**
 * A session this node owns: who it is in the store, its socket while connected, what it
 * publishes and subscribes to, and how far its client has been told the channel's events.
 * Its timers live in PresenceTimeouts and TokenExpiry under its id; SessionRegistry keeps all of
 * these in step.
 */
import type { Connection } from './connection.js';
import type { LocalChannel } from './local-channel.js';
import type { ChannelEvent, MemberRef } from './store.js';

export class LocalSession implements MemberRef {
  conn: Connection | null = null;
  /** Streams it publishes (data for any other stream is dropped). */
  readonly streams = new Set<string>();
  /** streamKeys of the streams it subscribes to. */
  readonly subscriptions = new Set<string>();
  /** Its client knows the channel's events up to this seq; null: it waits for a snapshot. */
  private seq: number | null = null;

  constructor(
    readonly ref: MemberRef,
    readonly channel: LocalChannel,
    streams: Iterable<string>,
  ) {
    this.setStreams(streams);
  }

  setStreams(streams: Iterable<string>): void {
    this.streams.clear();
    for (const streamId of streams) this.streams.add(streamId);
  }

  get key() {
    return this.ref.key;
  }
  get uid() {
    return this.ref.uid;
  }
  get sessionId() {
    return this.ref.sessionId;
  }

  /** Whether its client should get this event now (it is about somebody else, and news to it). */
  wants(event: ChannelEvent): boolean {
    return this.conn !== null && this.seq !== null && event.seq > this.seq && event.sessionId !== this.ref.sessionId;
  }

  deliver(seq: number, text: string): void {
    this.seq = seq;
    this.conn?.sendText(text);
  }

  /** Its client was just given the channel as of `seq` (a joined or snapshot frame). */
  syncedTo(seq: number): void {
    this.seq = seq;
  }

  /** Its client's view is out of date until it gets a snapshot. */
  unsync(): void {
    this.seq = null;
  }
}
