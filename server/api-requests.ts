/**
 * What the server API accepts (docs/backend.md, Server API): the path (its segments URL-decoded),
 * the query of a channel read, and the body of a kick. Anything else is an ApiError with the
 * status and code the API answers.
 */
import { ChannelLinkError } from '../src/errors.js';
import { validateChannelName, validateUid } from '../src/validation.js';
import type { Uid } from '../src/types.js';
import type { ClientRole } from '../src/wire-words.js';

export type ApiErrorCode = 'UNAUTHORIZED' | 'INVALID_PARAMS' | 'NOT_FOUND' | 'METHOD_NOT_ALLOWED' | 'RATE_LIMITED' | 'SERVER_ERROR';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const bad = (message: string): never => {
  throw new ApiError(400, 'INVALID_PARAMS', message);
};

/** At most this many bytes of JSON in a request body. */
export const MAX_BODY_BYTES = 4096;
/** The longest ban: 30 days. */
export const MAX_BAN_SECONDS = 30 * 24 * 3600;
const MAX_MESSAGE_LENGTH = 256;
export const DEFAULT_PAGE = 100;
export const MAX_PAGE = 1000;

export type ApiRoute =
  | { kind: 'channels'; appId: string }
  | { kind: 'channel'; appId: string; channel: string }
  | { kind: 'kick'; appId: string; channel: string };

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return bad(`path segment is not URL-encoded text: ${segment.slice(0, 64)}`);
  }
}

/** The client's own rule, as a 400. */
function checked<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof ChannelLinkError) return bad(error.message);
    throw error;
  }
}

/** The route of a raw path (`/v1/apps/:appId/channels[/:channel[/kick]]`), or null if none matches. */
export function routeOf(rawPath: string): ApiRoute | null {
  const parts = rawPath.split('/');
  if (parts.length < 5 || parts[0] !== '' || parts[1] !== 'v1' || parts[2] !== 'apps' || parts[4] !== 'channels' || parts.length > 7) return null;
  const appId = decode(parts[3]!);
  if (appId.length < 1 || appId.length > 128) bad('appId must be 1-128 characters');
  if (parts.length === 5) return { kind: 'channels', appId };
  const channel = checked(() => validateChannelName(decode(parts[5]!)));
  if (parts.length === 6) return { kind: 'channel', appId, channel };
  return parts[6] === 'kick' ? { kind: 'kick', appId, channel } : null;
}

export interface MemberQuery {
  role: ClientRole;
  limit: number;
  cursor: string | null;
}

/** `?role=host|audience&limit=1..1000&cursor=...`; nothing else. */
export function memberQuery(params: URLSearchParams): MemberQuery {
  for (const name of params.keys()) if (!['role', 'limit', 'cursor'].includes(name)) bad(`unknown query parameter ${name.slice(0, 64)}`);
  const role = params.get('role') ?? 'host';
  if (role !== 'host' && role !== 'audience') bad(`role must be host or audience (got ${role.slice(0, 64)})`);
  const limitText = params.get('limit');
  const limit = limitText === null ? DEFAULT_PAGE : /^\d{1,4}$/.test(limitText) ? Number(limitText) : NaN;
  if (!(limit >= 1 && limit <= MAX_PAGE)) bad(`limit must be an integer 1-${MAX_PAGE}`);
  const cursor = params.get('cursor');
  if (cursor !== null && !/^\d{1,20}$/.test(cursor)) bad('cursor must be the cursor of a previous page');
  return { role: role as ClientRole, limit, cursor };
}

export interface KickRequest {
  uid: Uid;
  banSeconds: number;
  message: string | undefined;
}

/** The body of a kick: `{ uid, banSeconds?, message? }`, nothing else. */
export function kickRequest(body: unknown): KickRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return bad('the body must be a JSON object { uid, banSeconds?, message? }');
  const fields = body as Record<string, unknown>;
  for (const name of Object.keys(fields)) if (!['uid', 'banSeconds', 'message'].includes(name)) bad(`unknown field ${name.slice(0, 64)}`);
  if (fields.uid === undefined) bad('uid is required');
  const uid = checked(() => validateUid(fields.uid));
  if (uid === null || uid === 0) return bad('uid must name a member: a number 1..2^32-1 or a string');
  const banSeconds = fields.banSeconds ?? 0;
  if (typeof banSeconds !== 'number' || !Number.isInteger(banSeconds) || banSeconds < 0 || banSeconds > MAX_BAN_SECONDS) {
    bad(`banSeconds must be an integer 0-${MAX_BAN_SECONDS} (30 days)`);
  }
  const message = fields.message;
  if (message !== undefined && (typeof message !== 'string' || message.length < 1 || message.length > MAX_MESSAGE_LENGTH)) {
    bad(`message must be a string of 1-${MAX_MESSAGE_LENGTH} characters`);
  }
  return { uid, banSeconds: banSeconds as number, message: message as string | undefined };
}
