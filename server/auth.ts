/**
 * Token verification seam. Every join and renew-token goes through a `VerifyToken` function:
 * without an app certificate every token (and a null token) is accepted (development); with one,
 * only tokens signed with it (see tokens.ts) for that app, channel and uid, not yet expired.
 */
import { verifyToken, type TokenClaims, type TokenCheck } from './tokens.js';

export type { TokenClaims, TokenCheck } from './tokens.js';

export type VerifyToken = (token: string | null, claims: TokenClaims) => TokenCheck;

export function createTokenVerifier(appCertificate: string | undefined): VerifyToken {
  if (appCertificate === undefined || appCertificate === '') {
    return () => ({ ok: true, expiresAt: null });
  }
  return (token, claims) => verifyToken(token, appCertificate, claims);
}
