/**
 * Token verification seam. Every join and renew-token goes through a `VerifyToken` function:
 * without an app certificate or token public key every token (and a null token) is accepted
 * (development); with one, only JWTs signed with it (see token-verify.ts) for that app, channel
 * and uid, valid now. A verified token also says what the member may do (its grants).
 */
import { createJwtVerifier, type TokenKeys } from './token-verify.js';
import { OPEN_GRANTS, type TokenCheck, type TokenClaims } from './tokens.js';

export type { TokenClaims, TokenCheck, TokenGrants } from './tokens.js';

/** Decides a join's or renewal's token; may answer at once or asynchronously. */
export type VerifyToken = (token: string | null, claims: TokenClaims) => TokenCheck | Promise<TokenCheck>;

/** The verifier of these keys; without any key, an open server's. */
export function createTokenVerifier(keys: TokenKeys | string | undefined): VerifyToken {
  const { appCertificate, tokenPublicKey } = typeof keys === 'object' ? keys : { appCertificate: keys, tokenPublicKey: undefined };
  if (!appCertificate && tokenPublicKey === undefined) {
    return () => ({ ok: true, expiresAt: null, grants: OPEN_GRANTS });
  }
  const verify = createJwtVerifier({ appCertificate, tokenPublicKey });
  return (token, claims) => verify(token, claims);
}
