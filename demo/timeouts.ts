/**
 * The timeouts the demo's texts and scripts are built on: the client's defaults (the page does not
 * change them) and the server's (the page cannot ask a server for its own, so it assumes the
 * defaults `npm start` runs with; the e2e tests check these against the server's real defaults).
 */

/** The client's heartbeat: a frame every interval; nothing heard for the timeout, and it reconnects. */
export const CLIENT_DEFAULTS = { heartbeatIntervalMs: 1000, connectionTimeoutMs: 4000 } as const;

/** The server's: silence after which peers see stream-removed NO_DATA, then peer-leave SERVER_TIMEOUT. */
export const SERVER_DEFAULTS = { streamTimeoutMs: 10_000, peerTimeoutMs: 10_000 } as const;

/** `10 s`, `6.5 s`. */
export const seconds = (ms: number): string => `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s`;
