/** Map keys for uids and streams, one encoding shared by the main thread, the worker and the server. */
import type { Uid } from './types.js';

/** Number 1 and string "1" are different uids, so the key carries the type. */
export const uidKey = (uid: Uid): string => (typeof uid === 'number' ? `n${uid}` : `s${uid}`);

/** A peer's stream. Stream ids never contain '/' (STREAM_ID_PATTERN), so the last '/' delimits. */
export const streamKey = (uid: Uid, streamId: string): string => `${uidKey(uid)}/${streamId}`;
