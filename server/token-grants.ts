/**
 * What a token's grants mean for a member's requests (docs/backend.md, Tokens): the one role it
 * allows, and the attribute keys the backend fixed. Each check answers null (allowed) or the
 * refusal to send.
 */
import { ChannelLinkError } from '../src/errors.js';
import { validateAttributes } from '../src/validation.js';
import type { ClientRole } from '../src/wire-words.js';
import { OPEN_GRANTS, type TokenCheck, type TokenGrants } from './tokens.js';
import type { Attributes } from './store.js';

export interface Refusal {
  code: 'NO_PERMISSION' | 'INVALID_PARAMS' | 'INVALID_TOKEN' | 'TOKEN_EXPIRED';
  message: string;
}

/** Null if the token allows the role. */
export function roleRefusal(grants: TokenGrants, role: ClientRole): Refusal | null {
  if (grants.role === null || grants.role === role) return null;
  return { code: 'NO_PERMISSION', message: `the token allows the ${grants.role} role only` };
}

/**
 * The member's attributes with the token's fixed keys in force: a client that leaves a fixed key
 * out keeps the token's value; one that names it with another value is refused (NO_PERMISSION);
 * the whole must still fit the limits (INVALID_PARAMS).
 */
export function withFixedAttributes(grants: TokenGrants, requested: Attributes): { attributes: Attributes } | Refusal {
  const fixed = Object.entries(grants.attributes);
  if (fixed.length === 0) return { attributes: requested };
  for (const [key, value] of fixed) {
    if (Object.hasOwn(requested, key) && requested[key] !== value) return { code: 'NO_PERMISSION', message: `attribute ${key} is fixed by the token` };
  }
  try {
    return { attributes: validateAttributes({ ...requested, ...grants.attributes }) };
  } catch (error) {
    return { code: 'INVALID_PARAMS', message: error instanceof ChannelLinkError ? `with the token's attributes: ${error.message}` : String(error) };
  }
}

/**
 * A token's verdict applied to what the member asks for: its grants and the attributes it will
 * have, or why not (the token's own refusal, a forbidden role, a fixed attribute changed).
 */
export function applyToken(check: TokenCheck, role: ClientRole, requested: Attributes): { grants: TokenGrants; attributes: Attributes } | Refusal {
  if (!check.ok) return { code: check.code, message: check.message };
  const grants = check.grants ?? OPEN_GRANTS;
  const refusal = roleRefusal(grants, role);
  if (refusal) return refusal;
  const fixed = withFixedAttributes(grants, requested);
  return 'code' in fixed ? fixed : { grants, attributes: fixed.attributes };
}
