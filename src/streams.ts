/** LocalStream and RemoteStream handles, and the router that feeds remote messages to them. */
import { Observable, Subject } from 'rxjs';
import { streamKey } from './keys.js';
import type { ChannelEvent, StreamMessage, Uid } from './types.js';

export interface LocalStream {
  readonly id: string;
  /**
   * Sends to every subscriber. An ArrayBuffer (or the buffer under a Uint8Array that spans all of
   * it) is transferred to the worker, not copied: do not reuse it after send().
   */
  send(data: string | ArrayBuffer | Uint8Array): void;
  /** Same as `client.unpublish(stream)`. */
  close(): Promise<void>;
}

export interface RemoteStream {
  readonly uid: Uid;
  readonly id: string;
  readonly messages$: Observable<StreamMessage>;
}

interface Entry {
  readonly stream: RemoteStream;
  /** Where messages go now: the listeners of `messages$` since the last takeover. */
  subject: Subject<StreamMessage>;
  ready: Promise<unknown>;
  /** Removed while subscribed (stream-removed), then added again: the next listener takes over. */
  gone?: boolean;
  back?: boolean;
}

/**
 * Remote streams by (uid, streamId), one engine subscription each (docs/api.md, Streams). While it
 * lives, subscribing again gives the same RemoteStream. After the stream came back (removed, then
 * added again), the next listener of its `messages$` takes the messages over and the listeners
 * before it complete: an app that subscribes and listens in every `stream-added` gets each message
 * once, and so does one that keeps listening all along. Everything ends, and completes, on
 * unsubscribe, on DISCONNECTED (leave, or a verdict) or on shutdown.
 */
export class RemoteStreamRouter {
  private readonly streams = new Map<string, Entry>();

  /**
   * The live RemoteStream of (uid, id), or a new one once `confirm` (the engine's subscribe)
   * succeeds. Calls made while one is being confirmed share its outcome.
   */
  subscribe(uid: Uid, id: string, confirm: () => Promise<unknown>): Promise<RemoteStream> {
    const key = streamKey(uid, id);
    const live = this.streams.get(key);
    if (live) return live.ready.then(() => live.stream);
    const entry: Entry = {
      subject: new Subject<StreamMessage>(),
      ready: Promise.resolve(),
      stream: {
        uid,
        id,
        messages$: new Observable<StreamMessage>((subscriber) => {
          if (entry.back) {
            entry.back = false;
            const before = entry.subject;
            entry.subject = new Subject<StreamMessage>();
            before.complete();
          }
          return entry.subject.subscribe(subscriber);
        }),
      },
    };
    // In the table before the engine is asked, so messages that overtake the reply find it.
    this.streams.set(key, entry);
    entry.ready = confirm().catch((error: unknown) => {
      this.end(key, entry);
      throw error;
    });
    return entry.ready.then(() => entry.stream);
  }

  /** Follows the stream's removals and comebacks (stream-removed, then stream-added). */
  note(event: ChannelEvent): void {
    if (event.type !== 'stream-removed' && event.type !== 'stream-added') return;
    const entry = this.streams.get(streamKey(event.uid, event.streamId));
    if (!entry) return;
    if (event.type === 'stream-removed') entry.gone = true;
    else if (entry.gone) {
      entry.gone = false;
      entry.back = true;
    }
  }

  deliver(message: StreamMessage): void {
    this.streams.get(streamKey(message.uid, message.streamId))?.subject.next(message);
  }

  /**
   * Ends `stream`'s subscription; returns whether it was live. A stale RemoteStream (already
   * ended) is ignored, so it cannot end a newer subscription to the same stream.
   */
  close(stream: RemoteStream): boolean {
    const key = streamKey(stream.uid, stream.id);
    const entry = this.streams.get(key);
    if (entry?.stream !== stream) return false;
    this.end(key, entry);
    return true;
  }

  closeAll(): void {
    for (const [key, entry] of [...this.streams]) this.end(key, entry);
  }

  private end(key: string, entry: Entry): void {
    if (this.streams.get(key) === entry) this.streams.delete(key);
    entry.subject.complete();
  }
}

/** The bytes of `data` as a standalone ArrayBuffer that can be transferred. */
export function toTransferable(data: ArrayBuffer | Uint8Array): ArrayBuffer {
  if (data instanceof ArrayBuffer) return data;
  const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && data.buffer instanceof ArrayBuffer;
  return whole ? (data.buffer as ArrayBuffer) : (data.slice().buffer as ArrayBuffer);
}
