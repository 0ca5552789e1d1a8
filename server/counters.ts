/** Running totals of what the server has seen and refused (exposed by stats() and GET /stats). */
export interface ServerCounters {
  /** Frames accepted for decoding (after the rate limits). */
  framesIn: number;
  /** Frames dropped by the rate limits. */
  framesDropped: number;
  /** Sockets closed for a malformed frame (4400, 1009). */
  protocolErrors: number;
  /** Joins refused: bad or expired token, full channel. */
  joinsRefused: number;
  /** Sockets closed for persistent rate-limit abuse (4429). */
  rateLimitCloses: number;
  /** Sockets closed because their send buffer passed maxBufferedBytes (4430). */
  slowConsumerCloses: number;
  /** Sessions ended because their token expired. */
  tokenExpiries: number;
  /** WebSocket upgrades refused (403 origin, 503 closing). */
  upgradesRefused: number;
}

export function newCounters(): ServerCounters {
  return {
    framesIn: 0,
    framesDropped: 0,
    protocolErrors: 0,
    joinsRefused: 0,
    rateLimitCloses: 0,
    slowConsumerCloses: 0,
    tokenExpiries: 0,
    upgradesRefused: 0,
  };
}
