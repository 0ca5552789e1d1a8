/**
 * The checks the main thread makes itself, raising INVALID_PARAMS: createClient()'s options and
 * setClientRole()'s role (docs/api.md, Validation rules). The channel calls' arguments are the
 * engine's to check (validation.ts).
 */
import { ChannelLinkError } from './errors.js';
import type { ClientRole } from './types.js';

export const fail = (message: string): never => {
  throw new ChannelLinkError('INVALID_PARAMS', message);
};

/** A rejected value as the error shows it: strings quoted (and cut), anything else with its type. */
export function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  return `${String(value)} (${typeof value})`;
}

export function validateUrl(url: unknown): string {
  if (url === undefined) return fail('url is required: the server, e.g. ws://127.0.0.1:8080, or a list of them');
  if (typeof url !== 'string') return fail(`url must be a ws:// or wss:// URL string, or a list of them; got ${shown(url)}`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return fail(`url is not a valid URL: ${shown(url)}`);
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') fail(`url must start with ws:// or wss://; got ${shown(url)}`);
  return url;
}

/** One URL or a non-empty list of them (at most 16). */
export function validateUrls(url: unknown): string[] {
  if (!Array.isArray(url)) return [validateUrl(url)];
  if (url.length < 1 || url.length > 16) fail('url must be a URL or a list of 1-16 URLs');
  return url.map(validateUrl);
}

export function validateRole(role: unknown): ClientRole {
  if (role === 'host' || role === 'audience') return role;
  return fail(`role must be 'host' or 'audience'; got ${shown(role)}`);
}

export function validatePositiveMs(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) fail(`${name} must be a positive number of ms`);
  return value as number;
}
