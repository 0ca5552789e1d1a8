import { describe, expect, it } from 'vitest';
import { CloseCode, VERDICTS, closeCodeOf, verdictOfClose, verdictOfKick, verdictOfRefusal } from '../../src/outcomes.js';
import { KICK_REASONS } from '../../src/wire-words.js';

describe('the outcome table', () => {
  it('finds each verdict again from its close code, its kick reason and its error code', () => {
    for (const verdict of VERDICTS) {
      if (verdict.closeCode !== null) expect(verdictOfClose(verdict.closeCode)).toBe(verdict);
      if (verdict.kicked !== null) expect(verdictOfKick(verdict.kicked)).toBe(verdict);
      expect(verdictOfRefusal(verdict.code)).toBe(verdict.refusesJoin ? verdict : undefined);
    }
  });

  it('maps every kick reason of the wire to a verdict', () => {
    for (const reason of KICK_REASONS) expect(verdictOfKick(reason).kicked).toBe(reason);
  });

  it('keeps will-retry closes out: going away, slow consumer, rate limit, protocol error, session expired', () => {
    for (const code of [CloseCode.NORMAL, CloseCode.GOING_AWAY, CloseCode.SLOW_CONSUMER, CloseCode.RATE_LIMITED, CloseCode.PROTOCOL_ERROR, CloseCode.SESSION_EXPIRED, CloseCode.JOIN_TIMEOUT, 1006]) {
      expect(verdictOfClose(code), String(code)).toBeUndefined();
    }
    // A server error frame is a transient failure, retried.
    expect(verdictOfRefusal('SERVER_ERROR')).toBeUndefined();
    expect(verdictOfRefusal('RATE_LIMITED')).toBeUndefined();
  });

  it('only the token expiry announces did-expire, and the server closes each verdict with a distinct code', () => {
    expect(VERDICTS.filter((v) => v.didExpire).map((v) => v.code)).toEqual(['TOKEN_EXPIRED']);
    const dedicated = VERDICTS.flatMap((v) => (v.closeCode === null ? [] : [v.closeCode]));
    expect(new Set(dedicated).size).toBe(dedicated.length);
    expect(closeCodeOf(verdictOfRefusal('PROTOCOL_ERROR')!)).toBe(CloseCode.PROTOCOL_ERROR);
    expect(closeCodeOf(verdictOfKick('UID_BANNED'))).toBe(CloseCode.UID_REPLACED);
  });
});
