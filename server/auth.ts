/**
 * Token verification seam. Every join and renew-token goes through a `VerifyToken` function.
 *
 * For now: without an app certificate every token (and a null token) is accepted; with one,
 * every token is rejected (INVALID_TOKEN) because signed tokens are not implemented yet.
 * TODO(tokens): verify HMAC-signed tokens against `appCertificate` (and export createToken).
 */
import type { Uid } from '../src/types.js';

export interface TokenClaims {
  appId: string;
  channel: string;
  uid: Uid;
}

export type TokenVerdict =
  | { ok: true; /** Epoch ms when the token expires, or null if it does not. */ expiresAt: number | null }
  | { ok: false; code: 'INVALID_TOKEN' | 'TOKEN_EXPIRED'; message: string };

export type VerifyToken = (token: string | null, claims: TokenClaims) => TokenVerdict;

export function createTokenVerifier(appCertificate: string | undefined): VerifyToken {
  if (appCertificate === undefined || appCertificate === '') {
    return () => ({ ok: true, expiresAt: null });
  }
  return (token) => ({
    ok: false,
    code: 'INVALID_TOKEN',
    message: token === null ? 'a token is required' : 'token verification is not supported yet',
  });
}
