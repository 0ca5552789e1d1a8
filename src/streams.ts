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

/** Remote streams by (uid, streamId); completes their `messages$` on unsubscribe or shutdown. */
export class RemoteStreamRouter {
  private readonly streams = new Map<string, Subject<StreamMessage>>();

  open(uid: Uid, id: string): RemoteStream {
    let subject = this.streams.get(streamKey(uid, id));
    if (!subject) this.streams.set(streamKey(uid, id), (subject = new Subject<StreamMessage>()));
    return { uid, id, messages$: subject.asObservable() };
  }

  deliver(message: StreamMessage): void {
    this.streams.get(streamKey(message.uid, message.streamId))?.next(message);
  }

  close(uid: Uid, id: string): void {
    this.streams.get(streamKey(uid, id))?.complete();
    this.streams.delete(streamKey(uid, id));
  }

  closeAll(): void {
    for (const subject of this.streams.values()) subject.complete();
    this.streams.clear();
  }
}

/** The bytes of `data` as a standalone ArrayBuffer that can be transferred. */
export function toTransferable(data: ArrayBuffer | Uint8Array): ArrayBuffer {
  if (data instanceof ArrayBuffer) return data;
  const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && data.buffer instanceof ArrayBuffer;
  return whole ? (data.buffer as ArrayBuffer) : (data.slice().buffer as ArrayBuffer);
}
