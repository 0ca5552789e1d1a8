/**
 * Running totals of what the server has seen, done and refused: the one source of both
 * `stats()` / `GET /stats` and `GET /metrics` (which reads them when scraped). Plain number
 * fields, incremented in place: the per-frame ones sit on the hot path.
 */
export interface ServerCounters {
  /** Frames accepted for decoding (after the rate limits). */
  framesIn: number;
  /** Bytes of the frames accepted (payloads, as received). */
  bytesIn: number;
  /** Frames sent (control and data, fan-out counted per recipient). */
  framesOut: number;
  /** Bytes of the frames sent. */
  bytesOut: number;
  /** Frames dropped by the rate limits. */
  framesDropped: number;
  /** Sockets closed for a malformed frame (4400, 1009). */
  protocolErrors: number;
  /** Joins of a new member. */
  joinsFresh: number;
  /** Joins that resumed a session (peers saw nothing). */
  joinsResumed: number;
  /** Joins that replaced the same uid's older session (UID_BANNED there). */
  joinsReplaced: number;
  /** Joins refused: bad or expired token, full channel, unsupported protocol version. */
  joinsRefused: number;
  /** Of joinsRefused: a missing, malformed or forged token (INVALID_TOKEN). */
  joinsRefusedInvalidToken: number;
  /** Of joinsRefused: an expired token (TOKEN_EXPIRED). */
  joinsRefusedTokenExpired: number;
  /** Of joinsRefused: the channel was full (CHANNEL_FULL). */
  joinsRefusedChannelFull: number;
  /** Of joinsRefused: an unsupported protocol version. */
  joinsRefusedVersion: number;
  /** Joins that named a session (a returning member) and got a slot (admission control). */
  admittedResumes: number;
  /** Joins of a newcomer that got a slot. */
  admittedJoins: number;
  /** Resumes deferred with SERVER_BUSY: the node was busy; the client comes back after the wait given. */
  deferredResumes: number;
  /** Newcomers' joins deferred with SERVER_BUSY. */
  deferredJoins: number;
  /** Of joinsRefused: the token forbids the role or the attributes asked for (NO_PERMISSION, INVALID_PARAMS). */
  joinsRefusedNoPermission: number;
  /** Of joinsRefused: the uid is banned from the channel for now (BANNED). */
  joinsRefusedBanned: number;
  /** Members kicked through the server API (peer-leave KICKED). */
  kicks: number;
  /** Webhook requests answered 2xx. */
  webhooksDelivered: number;
  /** Webhook requests that failed (an error status, a timeout, a receiver down): each is retried. */
  webhookAttemptsFailed: number;
  /** Webhook events dropped because their queue was full. */
  webhooksDropped: number;
  /** Webhook events dropped after webhookRetryMs without a delivery. */
  webhooksExpired: number;
  /** Members that left (peer-leave QUIT). */
  leaves: number;
  /** Sockets that sent no join within joinTimeoutMs. */
  joinTimeouts: number;
  /** Members whose streams were removed after streamTimeoutMs of silence (NO_DATA). */
  streamTimeouts: number;
  /** Members removed after peerTimeoutMs of silence (peer-leave SERVER_TIMEOUT). */
  peerTimeouts: number;
  /** Sockets closed for persistent rate-limit abuse (4429). */
  rateLimitCloses: number;
  /** Sockets closed because their send buffer passed maxBufferedBytes (4430). */
  slowConsumerCloses: number;
  /** Sessions ended because their token expired (peer-leave QUIT). */
  tokenExpiries: number;
  /** WebSocket upgrades refused (403 origin, 503 closing). */
  upgradesRefused: number;
}

export function newCounters(): ServerCounters {
  return {
    framesIn: 0,
    bytesIn: 0,
    framesOut: 0,
    bytesOut: 0,
    framesDropped: 0,
    protocolErrors: 0,
    joinsFresh: 0,
    joinsResumed: 0,
    joinsReplaced: 0,
    joinsRefused: 0,
    joinsRefusedInvalidToken: 0,
    joinsRefusedTokenExpired: 0,
    joinsRefusedChannelFull: 0,
    joinsRefusedVersion: 0,
    admittedResumes: 0,
    admittedJoins: 0,
    deferredResumes: 0,
    deferredJoins: 0,
    joinsRefusedNoPermission: 0,
    joinsRefusedBanned: 0,
    kicks: 0,
    webhooksDelivered: 0,
    webhookAttemptsFailed: 0,
    webhooksDropped: 0,
    webhooksExpired: 0,
    leaves: 0,
    joinTimeouts: 0,
    streamTimeouts: 0,
    peerTimeouts: 0,
    rateLimitCloses: 0,
    slowConsumerCloses: 0,
    tokenExpiries: 0,
    upgradesRefused: 0,
  };
}

/** Counts a refused join under its total and its reason. */
export function countRefusedJoin(
  counters: ServerCounters,
  code: 'INVALID_TOKEN' | 'TOKEN_EXPIRED' | 'CHANNEL_FULL' | 'PROTOCOL_ERROR' | 'NO_PERMISSION' | 'INVALID_PARAMS' | 'BANNED',
): void {
  counters.joinsRefused++;
  if (code === 'INVALID_TOKEN') counters.joinsRefusedInvalidToken++;
  else if (code === 'TOKEN_EXPIRED') counters.joinsRefusedTokenExpired++;
  else if (code === 'CHANNEL_FULL') counters.joinsRefusedChannelFull++;
  else if (code === 'NO_PERMISSION' || code === 'INVALID_PARAMS') counters.joinsRefusedNoPermission++;
  else if (code === 'BANNED') counters.joinsRefusedBanned++;
  else counters.joinsRefusedVersion++;
}
