/**
 * The seed's steps T0–T10 and how each observed event maps to one of them. UID 2 is in the channel
 * first; UID 1 joins, publishes, loses its uplink and comes back. Labels come from what a client
 * actually reported, not from the script's plan: an event that fits no step stays unlabelled and
 * is drawn as unexpected.
 */
import type { ChannelEvent } from 'channel-link';
import { CLIENT_DEFAULTS, SERVER_DEFAULTS, seconds } from '../timeouts.js';

/** `setup` is what happens before the story starts: UID 2 joins, so that it is there for T2. */
export type StepId = 'setup' | 'T0' | 'T1' | 'T2' | 'T3' | 'T4' | 'T5' | 'T6' | 'T7' | 'T8' | 'T9' | 'T10';
export type Lane = 1 | 2;

export interface Step {
  id: StepId;
  /** Whose step it is: the lane its events show on. */
  lane: Lane;
  title: string;
  detail: string;
}

const noticeMs = CLIENT_DEFAULTS.connectionTimeoutMs;
const { streamTimeoutMs, peerTimeoutMs } = SERVER_DEFAULTS;

/** In the seed's order. */
export const STEPS: readonly Step[] = [
  { id: 'setup', lane: 2, title: 'UID 2 is in the channel', detail: 'before the story starts, it joins: CONNECTING → CONNECTED, connected' },
  { id: 'T0', lane: 1, title: 'UID 1 calls join()', detail: 'the page calls client.join(null, channel, 1)' },
  {
    id: 'T1',
    lane: 1,
    title: 'UID 1 is CONNECTING, then CONNECTED',
    detail: 'DISCONNECTED → CONNECTING (JOIN) → CONNECTED (JOINED), then connected; UID 2, already there, is announced by peer-online 2',
  },
  { id: 'T2', lane: 2, title: 'UID 2 gets peer-online 1', detail: 'the server tells the channel at once' },
  { id: 'T3', lane: 1, title: 'UID 1 publishes', detail: 'publish(): a stream of ticks, sent every 100 ms by a page timer' },
  { id: 'T4', lane: 2, title: 'UID 2 gets stream-added 1', detail: 'it subscribes: the ticks flow' },
  {
    id: 'T5',
    lane: 1,
    title: "UID 1's uplink deteriorates, then fails; its SDK retries",
    detail:
      'debug.simulateLatency(): 600 ms each way, and its quality bars fall on both lanes; then debug.simulateNetworkLoss(): its worker drops every frame both ways, with no socket error (a half-open link); each retry that fails meanwhile is a connection-attempt-failed',
  },
  { id: 'T6', lane: 2, title: 'UID 2 gets stream-removed 1 NO_DATA', detail: `the server has had no data from UID 1 for its stream timeout (${seconds(streamTimeoutMs)})` },
  {
    id: 'T7',
    lane: 1,
    title: 'UID 1 goes CONNECTING',
    // The order difference is said here once, so the list need not grow when the run shows it.
    detail: `nothing heard for its connection timeout (${seconds(noticeMs)}): CONNECTED → CONNECTING (TIMEOUT); so here it comes before T6`,
  },
  {
    id: 'T8',
    lane: 2,
    title: 'UID 2 gets peer-leave 1 SERVER_TIMEOUT',
    detail: `the server has heard nothing from UID 1 for its peer timeout (${seconds(peerTimeoutMs)}); always after stream-removed`,
  },
  {
    id: 'T9',
    lane: 1,
    title: 'UID 1 is CONNECTED again',
    detail: 'the network is back and its worker retries at once: CONNECTING → CONNECTED (RECONNECTED), connected; its stream is republished; UID 2 never left, so its view has nothing to change',
  },
  {
    id: 'T10',
    lane: 2,
    title: 'UID 2 gets peer-online 1 again',
    detail: `and stream-added 1: ticks reach the same subscription; those older than the server's continuity window (${seconds(peerTimeoutMs)}) are reported lost (stream-gap)`,
  },
];

/** The story's steps, setup excluded. */
export const STORY_STEPS = STEPS.filter((s) => s.id !== 'setup');
export const STEP_IDS = STEPS.map((s) => s.id);
export const stepIndex = (id: StepId): number => STEP_IDS.indexOf(id);

/**
 * Why channel-link plays a step earlier than the seed does, in one line, keyed by that step. The
 * seed's UID 1 goes CONNECTING late; channel-link's heartbeat deadline is shorter than the
 * server's stream timeout.
 */
export const EARLY_BECAUSE: Partial<Record<StepId, string>> = {
  T7: `UID 1 notices the dead link within ${seconds(noticeMs)}, while the server waits ${seconds(streamTimeoutMs)} before stream-removed`,
};

/** A step observed before a step the seed puts ahead of it. */
export interface OrderSwap {
  early: StepId;
  late: StepId;
  why: string;
}

/** Where the observed order differs from the seed's: each step that came before an earlier-numbered one. */
export function orderSwaps(firstAt: (id: StepId) => number | undefined): OrderSwap[] {
  const swaps: OrderSwap[] = [];
  for (const early of STEPS) {
    const at = firstAt(early.id);
    if (at === undefined) continue;
    // The first step of the seed's order it overtook (the one it is drawn against).
    const late = STEPS.slice(0, stepIndex(early.id)).find((s) => (firstAt(s.id) ?? -Infinity) > at);
    if (late) swaps.push({ early: early.id, late: late.id, why: EARLY_BECAUSE[early.id] ?? 'the two were observed in this order' });
  }
  return swaps;
}

/** The other user of a lane. */
export const otherOf = (lane: Lane): Lane => (lane === 1 ? 2 : 1);

export { describeEvent } from '../describe.js';

/** Labels each event of one lane with its step, remembering what the lane saw so far. */
export class StepClassifier {
  private joined = false;
  private lostLink = false;
  private back = false;
  private peerSeen = false;
  /** UID 2's view of UID 1: not seen yet, present, timed out, back again. */
  private other: 'unseen' | 'present' | 'left' | 'back' = 'unseen';
  private streamSeen = false;

  constructor(private readonly lane: Lane) {}

  classify(event: ChannelEvent): StepId | null {
    return this.lane === 1 ? this.publisher(event) : this.watcher(event);
  }

  /** UID 1: joins, publishes, loses its link, comes back. */
  private publisher(event: ChannelEvent): StepId | null {
    switch (event.type) {
      case 'connection-state-change':
        if ((event.reason === 'JOIN' || event.reason === 'JOINED') && !this.joined) return 'T1';
        if (event.prevState === 'CONNECTED' && event.curState === 'CONNECTING' && (event.reason === 'TIMEOUT' || event.reason === 'NETWORK_ERROR')) {
          if (this.lostLink) return null;
          this.lostLink = true;
          return 'T7';
        }
        return event.reason === 'RECONNECTED' && this.lostLink && !this.back ? 'T9' : null;
      case 'connected':
        if (!this.joined) return (this.joined = true), 'T1';
        return this.lostLink && !this.back ? ((this.back = true), 'T9') : null;
      case 'peer-online':
        // UID 2 never leaves in the story: another peer-online 2 would be a duplicate after the resync.
        return event.uid === 2 && !this.peerSeen ? ((this.peerSeen = true), 'T1') : null;
      case 'connection-attempt-failed':
        // While the link is down, each retry that fails is reported (the network is still cut).
        return this.lostLink && !this.back ? 'T5' : null;
      case 'stream-gap':
        // Back after longer than the continuity window: the ticks its worker could not keep are told.
        return event.uid === 1 && this.back ? 'T9' : null;
      default:
        return null;
    }
  }

  /** UID 2: in the channel first, watches UID 1 arrive, publish, vanish, and come back. */
  private watcher(event: ChannelEvent): StepId | null {
    switch (event.type) {
      case 'connection-state-change':
        return (event.reason === 'JOIN' || event.reason === 'JOINED') && !this.joined ? 'setup' : null;
      case 'connected':
        return this.joined ? null : ((this.joined = true), 'setup');
      case 'peer-online':
        if (event.uid !== 1) return null;
        if (this.other === 'unseen') return (this.other = 'present'), 'T2';
        return this.other === 'left' ? ((this.other = 'back'), 'T10') : null;
      case 'stream-added':
        if (event.uid !== 1) return null;
        if (this.other === 'present' && !this.streamSeen) return (this.streamSeen = true), 'T4';
        return this.other === 'back' ? 'T10' : null;
      case 'stream-removed':
        return event.uid === 1 && event.reason === 'NO_DATA' && this.other === 'present' ? 'T6' : null;
      case 'peer-leave':
        if (event.uid !== 1 || event.reason !== 'SERVER_TIMEOUT' || this.other !== 'present') return null;
        this.other = 'left';
        return 'T8';
      case 'stream-gap':
        // UID 1's ticks older than the continuity window did not survive its absence: the loss is told.
        return event.uid === 1 && this.other === 'back' ? 'T10' : null;
      default:
        return null;
    }
  }
}
