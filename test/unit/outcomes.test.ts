import { describe, expect, it } from 'vitest';
import { CloseCode, OUTCOMES, RETRY_CLOSE_CODES, STOP_CLOSE_CODES, isStopCloseCode, outcomeOfClose, outcomeOfKick, outcomeOfRefusal } from '../../src/outcomes.js';
import { KICK_REASONS } from '../../src/wire-words.js';

describe('the outcome table', () => {
  it('finds each outcome again from its close code, its kick reason and its error code', () => {
    for (const outcome of OUTCOMES) {
      expect(outcomeOfClose(outcome.closeCode)).toBe(outcome);
      if (outcome.kicked !== null) expect(outcomeOfKick(outcome.kicked)).toBe(outcome);
      expect(outcomeOfRefusal(outcome.code)).toBe(outcome.refusesJoin ? outcome : undefined);
    }
  });

  it('maps every kick reason of the wire to an outcome', () => {
    for (const reason of KICK_REASONS) expect(outcomeOfKick(reason).kicked).toBe(reason);
  });

  it('gives every outcome its own close code, in the stop range', () => {
    const codes = OUTCOMES.map((o) => o.closeCode);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(code >= STOP_CLOSE_CODES.from && code <= STOP_CLOSE_CODES.to, String(code)).toBe(true);
  });

  it('keeps every will-retry close of the server in the retry range, and maps none of them to an outcome', () => {
    const retry = [CloseCode.CLIENT_RESET, CloseCode.PROTOCOL_ERROR, CloseCode.JOIN_TIMEOUT, CloseCode.RATE_LIMITED, CloseCode.SLOW_CONSUMER, CloseCode.SESSION_EXPIRED, CloseCode.SERVER_BUSY];
    for (const code of retry) {
      expect(code >= RETRY_CLOSE_CODES.from && code <= RETRY_CLOSE_CODES.to, String(code)).toBe(true);
      expect(outcomeOfClose(code), String(code)).toBeUndefined();
    }
    for (const code of [CloseCode.NORMAL, CloseCode.GOING_AWAY, CloseCode.INTERNAL_ERROR, 1006, 4123, 4499]) expect(outcomeOfClose(code), String(code)).toBeUndefined();
    // A server error frame is a transient failure, retried.
    expect(outcomeOfRefusal('SERVER_ERROR')).toBeUndefined();
    expect(outcomeOfRefusal('RATE_LIMITED')).toBeUndefined();
  });

  it('reads a stop-range code it does not know as the end of the session (a newer server may add some)', () => {
    expect(isStopCloseCode(4777)).toBe(true);
    expect(outcomeOfClose(4777)).toMatchObject({ reason: 'SERVER_ERROR' });
    expect(isStopCloseCode(4500)).toBe(true);
    expect(isStopCloseCode(4999)).toBe(true);
    expect(isStopCloseCode(4499)).toBe(false);
    expect(isStopCloseCode(5000)).toBe(false);
  });

  it('only the token expiry announces did-expire', () => {
    expect(OUTCOMES.filter((o) => o.didExpire).map((o) => o.code)).toEqual(['TOKEN_EXPIRED']);
  });
});
