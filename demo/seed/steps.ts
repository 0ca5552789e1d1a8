/**
 * The seed's steps T0–T10 and how each observed event maps to one of them. Labels come from what
 * a client actually reported, not from the script's plan: an event that fits no step of the story
 * stays unlabelled and is drawn as unexpected.
 */
import type { ChannelEvent } from 'channel-link';

export type StepId = 'T0' | 'T1' | 'T2' | 'T3' | 'T4' | 'T5' | 'T6' | 'T7' | 'T8' | 'T9' | 'T10';
export type Lane = 1 | 2;

export interface Step {
  id: StepId;
  title: string;
  detail: string;
  /** Items of DESIGN §4 the step shows. */
  design: string;
}

export const STEPS: readonly Step[] = [
  { id: 'T0', title: 'UID 1 joins', detail: 'DISCONNECTED → CONNECTING (JOIN) → CONNECTED (JOINED), then connected', design: '§4.1' },
  {
    id: 'T1',
    title: 'UID 2 joins; they see each other',
    detail: 'UID 2 gets peer-online 1 (already there); UID 1 gets peer-online 2 at once',
    design: '§4.1, §4.2',
  },
  { id: 'T2', title: 'UID 1 publishes', detail: 'UID 2 sees stream-added, subscribes: ticks flow', design: '§4.3' },
  { id: 'T3', title: "UID 1's network is cut", detail: 'debug.simulateNetworkLoss(): its worker drops all frames both ways, no socket error (half-open)', design: '§4.4' },
  { id: 'T4', title: 'UID 1 notices', detail: 'no frame for connectionTimeoutMs (4 s): CONNECTED → CONNECTING (TIMEOUT)', design: '§4.4' },
  { id: 'T5', title: 'UID 1 retries', detail: 'jittered exponential backoff while CONNECTING; each attempt that fails while cut is a connection-attempt-failed event', design: '§4.4' },
  { id: 'T6', title: 'UID 2: stream-removed NO_DATA', detail: 'the server heard nothing from UID 1 for streamTimeoutMs (10 s)', design: '§4.5' },
  { id: 'T7', title: 'UID 2: peer-leave SERVER_TIMEOUT', detail: '…nor for peerTimeoutMs (10 s); always after stream-removed', design: '§4.5' },
  { id: 'T8', title: 'The network is back', detail: "UID 1's worker delivers frames again", design: '§4.6' },
  {
    id: 'T9',
    title: 'UID 1 reconnects',
    detail: 'CONNECTING → CONNECTED (RECONNECTED), connected; stream republished; its view resynchronised (UID 2 never left: no event)',
    design: '§4.6, §4.7',
  },
  {
    id: 'T10',
    title: 'UID 2 sees UID 1 back',
    detail: 'peer-online 1 and stream-added again, the same moment as T9; ticks reach the same subscription, and those older than the 10 s continuity window are reported lost (stream-gap)',
    design: '§4.6, §9',
  },
];

export const STEP_IDS = STEPS.map((s) => s.id);
export const stepIndex = (id: StepId): number => STEP_IDS.indexOf(id);

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

  /** UID 1: joins first, publishes, loses its link, comes back. */
  private publisher(event: ChannelEvent): StepId | null {
    switch (event.type) {
      case 'connection-state-change':
        if ((event.reason === 'JOIN' || event.reason === 'JOINED') && !this.joined) return 'T0';
        if (event.prevState === 'CONNECTED' && event.curState === 'CONNECTING' && (event.reason === 'TIMEOUT' || event.reason === 'NETWORK_ERROR')) {
          if (this.lostLink) return null;
          this.lostLink = true;
          return 'T4';
        }
        return event.reason === 'RECONNECTED' && this.lostLink && !this.back ? 'T9' : null;
      case 'connected':
        if (!this.joined) return (this.joined = true), 'T0';
        return this.lostLink && !this.back ? ((this.back = true), 'T9') : null;
      case 'peer-online':
        // UID 2 never leaves in the story: another peer-online 2 would be a resync duplicate (§4.7).
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

  /** UID 2: joins second, watches UID 1 publish, vanish, and come back. */
  private watcher(event: ChannelEvent): StepId | null {
    switch (event.type) {
      case 'connection-state-change':
        return (event.reason === 'JOIN' || event.reason === 'JOINED') && !this.joined ? 'T1' : null;
      case 'connected':
        return this.joined ? null : ((this.joined = true), 'T1');
      case 'peer-online':
        if (event.uid !== 1) return null;
        if (this.other === 'unseen') return (this.other = 'present'), 'T1';
        return this.other === 'left' ? ((this.other = 'back'), 'T10') : null;
      case 'stream-added':
        if (event.uid !== 1) return null;
        if (this.other === 'present' && !this.streamSeen) return (this.streamSeen = true), 'T2';
        return this.other === 'back' ? 'T10' : null;
      case 'stream-removed':
        return event.uid === 1 && event.reason === 'NO_DATA' && this.other === 'present' ? 'T6' : null;
      case 'peer-leave':
        if (event.uid !== 1 || event.reason !== 'SERVER_TIMEOUT' || this.other !== 'present') return null;
        this.other = 'left';
        return 'T7';
      case 'stream-gap':
        // UID 1's ticks older than the continuity window did not survive its absence: the loss is told.
        return event.uid === 1 && this.other === 'back' ? 'T10' : null;
      default:
        return null;
    }
  }
}
