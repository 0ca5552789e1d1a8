// The cost of a long outage on a virtual clock: how many attempts one client makes before it gives
// up after reconnect.giveUpAfterMs (20 min at the defaults), with the policy of this checkout
// (dist/worker/backoff.js, through the link's own ReconnectPolicy) and with the policy before it
// (full-jitter exponential backoff from initialDelayMs, doubling to maxDelayMs), for attempts
// refused at once and for attempts that each wait out connectionTimeoutMs (a blackholed network).
import { createBackoffPolicy } from '../../dist/worker/backoff.js';
import { ReconnectPolicy } from '../../dist/worker/reconnect-policy.js';

/** The policy before this one, as it was: full jitter, 50 ms of jitter on the first retry. */
const fullJitter = (o, random) => (attempt, { elapsedMs }) => {
  if (elapsedMs >= o.giveUpAfterMs) return null;
  const step = attempt === 0 ? Math.min(50, o.initialDelayMs) : Math.min(o.maxDelayMs, o.initialDelayMs * 2 ** (attempt - 1));
  return Math.min(random() * step, o.giveUpAfterMs - elapsedMs);
};

/** mulberry32, so that each run draws the same waits. */
function seeded(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function attempts(policyOf, reconnect, attemptMs, seed, untilMs = reconnect.giveUpAfterMs) {
  let now = 0;
  const o = { ...reconnect, giveUpAfterMs: untilMs };
  const policy = new ReconnectPolicy({ joinTimeoutMs: 15_000, reconnect: o }, policyOf(o, seeded(seed)), { now: () => now });
  policy.begin('reconnect');
  let n = 0;
  for (let delay = policy.nextDelay(0); delay !== null; delay = policy.nextDelay(n)) {
    now += delay + attemptMs;
    n++;
  }
  return n;
}

/** Mean and largest attempt counts over `seeds` clients, now and before, per kind of failure. */
export function idleOutageAttempts({ reconnect = { initialDelayMs: 250, maxDelayMs: 5000, giveUpAfterMs: 20 * 60_000 }, connectionTimeoutMs = 4000, seeds = 100 } = {}) {
  const stat = (policyOf, attemptMs, untilMs) => {
    const counts = Array.from({ length: seeds }, (_, i) => attempts(policyOf, reconnect, attemptMs, i + 1, untilMs));
    return { mean: counts.reduce((a, b) => a + b, 0) / seeds, max: Math.max(...counts) };
  };
  const row = (attemptMs, untilMs) => ({ now: stat(createBackoffPolicy, attemptMs, untilMs), before: stat(fullJitter, attemptMs, untilMs) });
  return {
    minutes: reconnect.giveUpAfterMs / 60_000,
    refused: row(0),
    blackholed: row(connectionTimeoutMs),
    firstFiveSeconds: row(0, 5_000),
  };
}
