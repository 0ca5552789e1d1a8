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

interface Handle {
  readonly stream: RemoteStream;
  readonly subject: Subject<StreamMessage>;
}

interface Entry {
  /** Oldest first; messages go to the first, the only one listened to since the newer ones were handed out. */
  handles: Handle[];
  ready: Promise<unknown>;
  /** Removed while subscribed (stream-removed), then added again: the next subscribe() hands out a new handle. */
  gone?: boolean;
  back?: boolean;
}

/**
 * Remote streams by (uid, streamId), one engine subscription each (docs/api.md, Streams).
 * Subscribing again while it lives gives the same RemoteStream, except after the stream came back
 * (removed, then added again): then a new RemoteStream continues it. The old one keeps the
 * messages until the new one's `messages$` is first listened to, and then completes: an app that
 * subscribes and listens in every `stream-added` gets each message once, and so does one that
 * keeps listening to its first RemoteStream. All end, and complete, on unsubscribe, on
 * DISCONNECTED (leave, or a verdict) or on shutdown.
 */
export class RemoteStreamRouter {
  private readonly streams = new Map<string, Entry>();

  /**
   * The live RemoteStream of (uid, id), or a new one once `confirm` (the engine's subscribe)
   * succeeds. Calls made while one is being confirmed share its outcome.
   */
  subscribe(uid: Uid, id: string, confirm: () => Promise<unknown>): Promise<RemoteStream> {
    const key = streamKey(uid, id);
    let entry = this.streams.get(key);
    if (!entry) {
      // In the table before the engine is asked, so messages that overtake the reply find it.
      const fresh: Entry = (entry = { handles: [], ready: Promise.resolve() });
      this.streams.set(key, fresh);
      fresh.ready = confirm().catch((error: unknown) => {
        this.end(key, fresh);
        throw error;
      });
    }
    if (!entry.handles.length || entry.back) entry.handles.push(this.handle(entry, uid, id));
    entry.back = false;
    const { stream } = entry.handles.at(-1)!;
    return entry.ready.then(() => stream);
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
    this.streams.get(streamKey(message.uid, message.streamId))?.handles[0]?.subject.next(message);
  }

  /**
   * Ends `stream`'s subscription; returns whether it was live. A stale RemoteStream (already
   * ended or handed over) is ignored, so it cannot end a newer subscription to the same stream.
   */
  close(stream: RemoteStream): boolean {
    const key = streamKey(stream.uid, stream.id);
    const entry = this.streams.get(key);
    if (!entry?.handles.some((h) => h.stream === stream)) return false;
    this.end(key, entry);
    return true;
  }

  closeAll(): void {
    for (const [key, entry] of [...this.streams]) this.end(key, entry);
  }

  /** A RemoteStream whose first listener takes the messages over from the older ones, which complete. */
  private handle(entry: Entry, uid: Uid, id: string): Handle {
    const subject = new Subject<StreamMessage>();
    const handle: Handle = {
      subject,
      stream: {
        uid,
        id,
        messages$: new Observable<StreamMessage>((subscriber) => {
          const at = entry.handles.indexOf(handle);
          for (const old of entry.handles.splice(0, Math.max(at, 0))) old.subject.complete();
          return subject.subscribe(subscriber);
        }),
      },
    };
    return handle;
  }

  private end(key: string, entry: Entry): void {
    if (this.streams.get(key) === entry) this.streams.delete(key);
    for (const { subject } of entry.handles.splice(0)) subject.complete();
  }
}

/** The bytes of `data` as a standalone ArrayBuffer that can be transferred. */
export function toTransferable(data: ArrayBuffer | Uint8Array): ArrayBuffer {
  if (data instanceof ArrayBuffer) return data;
  const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && data.buffer instanceof ArrayBuffer;
  return whole ? (data.buffer as ArrayBuffer) : (data.slice().buffer as ArrayBuffer);
}
