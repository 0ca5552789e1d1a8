/** LocalStream and RemoteStream handles, and the router that feeds remote messages to them. */
import { Subject, type Observable } from 'rxjs';
import { streamKey } from './keys.js';
import type { StreamMessage, Uid } from './types.js';

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
  readonly subject: Subject<StreamMessage>;
  ready: Promise<RemoteStream>;
}

/**
 * Remote streams by (uid, streamId). One RemoteStream per live subscription: subscribing again
 * while it lives (the stream was removed and added again, or the app subscribes on every
 * `stream-added`) gives the same one, so its `messages$` carries each message once. It ends, and
 * its `messages$` completes, on unsubscribe, on DISCONNECTED (leave, or a verdict) or on shutdown.
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
    if (live) return live.ready;
    const subject = new Subject<StreamMessage>();
    const stream: RemoteStream = { uid, id, messages$: subject.asObservable() };
    // In the table before the engine is asked, so messages that overtake the reply find it.
    const entry: Entry = { stream, subject, ready: Promise.resolve(stream) };
    this.streams.set(key, entry);
    entry.ready = confirm().then(
      () => stream,
      (error: unknown) => {
        this.end(key, entry);
        throw error;
      },
    );
    return entry.ready;
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
    this.end(key, entry!);
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
