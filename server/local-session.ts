/**
 * A session this node owns: who it is in the store, its socket while connected, what it
 * publishes and subscribes to, and how far its client has been told the channel's events.
 * Its timers live in PresenceTimeouts and TokenExpiry under its id; SessionRegistry keeps all of
 * these in step.
 */
import type { Connection } from './connection.js';
import type { LocalChannel } from './local-channel.js';
import type { Uid } from '../src/types.js';
import type { ClientRole } from '../src/wire-words.js';
import type { AttributeWriter } from './attribute-writer.js';
import type { SessionQuality } from './session-quality.js';
import type { Attributes, StoreEvent, ChannelKey, MemberRef } from './store.js';
import { OPEN_GRANTS, type TokenGrants } from './tokens.js';

const NO_ATTRIBUTES: Attributes = Object.freeze({});

/** An idle member publishes and subscribes to nothing: its sets are made when first needed (an empty Set costs about 150 bytes, times every connection). */
const NONE: ReadonlySet<string> = new Set();

export class LocalSession implements MemberRef {
  conn: Connection | null = null;
  private streamSet: Set<string> | null = null;
  private subscriptionSet: Set<string> | null = null;
  /** Its client knows the channel's events up to this seq; null: it waits for a snapshot. */
  private seq: number | null = null;
  /** The newest message accepted of each stream it publishes (older ones are resends: dropped). */
  private lastAccepted: Map<string, { epoch: number; seq: number }> | null = null;
  /** While its client is being sent what it missed, newer stream data waits here. */
  private held: Uint8Array[] | null = null;
  /** Its attributes as last stored (what a reconciliation writes back). */
  attributes: Attributes = NO_ATTRIBUTES;
  /** Its link quality, made at its first heartbeat. */
  quality: SessionQuality | null = null;
  /** What its token allows (role, publishing, fixed attributes); a renewal replaces them. */
  grants: TokenGrants = OPEN_GRANTS;
  /** Its attribute updates on their way to the store, made at its first update. */
  attributeWriter: AttributeWriter | null = null;

  // The member's identity is copied in, not kept as the object it came in (one object less per member).
  readonly key: ChannelKey;
  readonly uid: Uid;
  readonly sessionId: string;

  constructor(
    ref: MemberRef,
    readonly channel: LocalChannel,
    streams: Iterable<string>,
    /** host: announced, may publish; audience: announced to nobody, publishes nothing. */
    public role: ClientRole = 'host',
  ) {
    this.key = ref.key;
    this.uid = ref.uid;
    this.sessionId = ref.sessionId;
    this.setStreams(streams);
  }

  /** Streams it publishes (data for any other stream is dropped). */
  get streams(): ReadonlySet<string> {
    return this.streamSet ?? NONE;
  }

  /** streamKeys of the streams it subscribes to. */
  get subscriptions(): ReadonlySet<string> {
    return this.subscriptionSet ?? NONE;
  }

  addStream(streamId: string): void {
    (this.streamSet ??= new Set()).add(streamId);
  }

  /** Returns whether it published the stream. */
  removeStream(streamId: string): boolean {
    const had = this.streamSet?.delete(streamId) ?? false;
    if (this.streamSet?.size === 0) this.streamSet = null;
    return had;
  }

  /** Its streams, all of them gone from it now (they timed out). */
  takeStreams(): string[] {
    const streams = [...this.streams];
    this.streamSet = null;
    return streams;
  }

  /** Returns false if it subscribed to the stream already. */
  addSubscription(key: string): boolean {
    if (this.subscriptionSet?.has(key)) return false;
    (this.subscriptionSet ??= new Set()).add(key);
    return true;
  }

  /** Returns whether it was subscribed. */
  removeSubscription(key: string): boolean {
    const had = this.subscriptionSet?.delete(key) ?? false;
    if (this.subscriptionSet?.size === 0) this.subscriptionSet = null;
    return had;
  }

  /** Its subscriptions, all of them dropped from it now. */
  takeSubscriptions(): ReadonlySet<string> {
    const subscriptions = this.subscriptions;
    this.subscriptionSet = null;
    return subscriptions;
  }

  /** Whether a message of its own stream is new (true), or one the server has had already. */
  accept(streamId: string, epoch: number, seq: number): boolean {
    const last = this.lastAccepted?.get(streamId);
    if (!last) (this.lastAccepted ??= new Map()).set(streamId, { epoch, seq });
    else if (last.epoch !== epoch) (last.epoch = epoch), (last.seq = seq);
    else if (seq <= last.seq) return false;
    else last.seq = seq;
    return true;
  }

  /** What the store holds of its streams: messages up to these were had before (a resume elsewhere). */
  acceptedUpTo(published: readonly { streamId: string; epoch: number; seq: number }[]): void {
    for (const { streamId, epoch, seq } of published) {
      const last = this.lastAccepted?.get(streamId);
      if (!last || last.epoch !== epoch || last.seq < seq) (this.lastAccepted ??= new Map()).set(streamId, { epoch, seq });
    }
  }

  /** Stream data for its client (held while a replay is being prepared). */
  sendData(frame: Uint8Array): void {
    if (this.held) this.held.push(frame);
    else this.conn?.sendData(frame);
  }

  /** From now, stream data waits (the client is about to be sent what it missed). */
  holdData(): void {
    this.held ??= [];
  }

  /** Sends what waited, except what `skip` says the client has (it came in the replay). */
  releaseData(skip: (frame: Uint8Array) => boolean): void {
    const held = this.held;
    this.held = null;
    for (const frame of held ?? []) if (!skip(frame)) this.conn?.sendData(frame);
  }

  setStreams(streams: Iterable<string>): void {
    const set = new Set(streams);
    this.streamSet = set.size > 0 ? set : null;
    const accepted = this.lastAccepted;
    if (!accepted) return;
    for (const streamId of [...accepted.keys()]) if (!set.has(streamId)) accepted.delete(streamId);
    if (accepted.size === 0) this.lastAccepted = null;
  }

  /** Whether its client should get this event now (it is about somebody else, and news to it). */
  wants(event: StoreEvent): boolean {
    return this.conn !== null && this.seq !== null && event.seq > this.seq && event.sessionId !== this.sessionId;
  }

  /** Connected and in sync with the channel: it takes the channel's events. */
  get listening(): boolean {
    return this.conn !== null && this.seq !== null;
  }

  /** The seq its client knows the channel up to (null: it waits for a snapshot). */
  get syncedSeq(): number | null {
    return this.seq;
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
