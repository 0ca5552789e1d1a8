/**
 * The words the wire and the public API share, each written once: protocol.ts builds its
 * picklists from these lists and types.ts derives its unions from them. No schema library here,
 * so the main-thread bundle can import it.
 */

/** Why a peer left (`peer-leave`): it quit, went silent, became an audience member, or the backend kicked it. */
export const PEER_LEAVE_REASONS = ['QUIT', 'SERVER_TIMEOUT', 'BECOME_AUDIENCE', 'KICKED'] as const;
/** What a member is: a host is seen by everyone and may publish; an audience member is seen by nobody. */
export const CLIENT_ROLES = ['host', 'audience'] as const;
/** Why a peer's stream went away (`stream-removed`). */
export const STREAM_REMOVED_REASONS = ['UNPUBLISHED', 'NO_DATA', 'PEER_LEFT'] as const;
/** Why the server ended a joined session (`kicked` frame). */
export const KICK_REASONS = ['UID_BANNED', 'TOKEN_EXPIRE', 'INVALID_TOKEN', 'SERVER_ERROR', 'KICKED'] as const;

export type PeerLeaveReason = (typeof PEER_LEAVE_REASONS)[number];
export type StreamRemovedReason = (typeof STREAM_REMOVED_REASONS)[number];
export type KickReason = (typeof KICK_REASONS)[number];
export type ClientRole = (typeof CLIENT_ROLES)[number];
