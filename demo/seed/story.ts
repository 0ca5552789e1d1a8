/**
 * The scripts behind the Play buttons. Each run starts from scratch on a fresh channel: two
 * clients (UID 1 and UID 2, each `createClient()` with its own dedicated Worker) join, UID 2 first,
 * UID 1 publishes a tick stream and UID 2 subscribes; then the scenario cuts UID 1's network (long
 * or short) or freezes the page. The script only acts and waits; what happened is what the clients
 * report (see run.ts).
 */
import { createClient, type ChannelClient, type LocalStream, type RemoteStream } from 'channel-link';
import { afterPaint } from '../dom.js';
import { CLIENT_DEFAULTS, SERVER_DEFAULTS, seconds } from '../timeouts.js';
import { worstOf } from '../quality-bars.js';
import { StoryAborted, type Run } from './run.js';
import type { Lane, StepId } from './steps.js';

export type Scenario = 'seed' | 'grace' | 'freeze';

export interface StoryOptions {
  url: string;
  channel: string;
  /** The long cut: longer than the server's peer timeout. */
  cutMs: number;
  /** The short cut: past the client's connection timeout, back within the server's grace. */
  graceCutMs: number;
  freezeMs: number;
}

const TICK_MS = 100;
/** Ticks UID 2 must get before the cut or freeze, and after the freeze, to call the data flowing. */
const LEAD_TICKS = 15;
const TAIL_TICKS = 5;
/** Both users joining and UID 1 publishing, on a server nearby. */
const JOIN_MS = 200;
/** Back from a cut, the worker retries at once, and the ticks it held arrive in one burst. */
const RECONNECT_MS = 100;
/** The seed's T5 begins with a slow link: this much added each way, until both lanes show it. */
const SLOW_MS = 600;
/** How long the link stays slow: time for both lanes to show it (network-quality comes every 2 s). */
const SLOW_SHOWS_MS = 6000;
/** After a freeze, the script waits for what the workers queued and a heartbeat deadline's rounds. */
const SETTLE_MS = 2 * CLIENT_DEFAULTS.heartbeatIntervalMs + 100;

/** How long a scenario runs when all goes as the story says: the sum of the script's own waits. */
export function expectedDurationMs(scenario: Scenario, options: Omit<StoryOptions, 'channel' | 'url'>): number {
  const lead = JOIN_MS + LEAD_TICKS * TICK_MS;
  if (scenario === 'freeze') return lead + options.freezeMs + SETTLE_MS + TAIL_TICKS * TICK_MS;
  return lead + (scenario === 'seed' ? SLOW_SHOWS_MS + options.cutMs : options.graceCutMs) + RECONNECT_MS;
}

export interface UserView {
  client: ChannelClient;
  stream: LocalStream | null;
  remote: RemoteStream | null;
  /** UID 1: ticks sent; UID 2: last tick received. */
  sent: number;
  last: { text: string; at: number } | null;
}

export class Story {
  readonly users = new Map<Lane, UserView>();
  /** What the script waits for now, for the status line. */
  waitingFor = '';
  private readonly subscriptions: { unsubscribe(): void }[] = [];
  private ticker: ReturnType<typeof setInterval> | undefined;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(
    readonly run: Run,
    readonly scenario: Scenario,
    private readonly options: StoryOptions,
    private readonly signal: AbortSignal,
    private readonly onStatus: (text: string) => void,
  ) {}

  async play(): Promise<void> {
    await this.joinAndPublish();
    if (this.scenario === 'freeze') await this.freeze();
    else await this.cut(this.scenario === 'seed' ? this.options.cutMs : this.options.graceCutMs);
  }

  /** Ends the ticks and both clients (they leave: the channel is this run's alone). */
  async dispose(): Promise<void> {
    clearInterval(this.ticker);
    for (const timer of this.timers) clearTimeout(timer);
    for (const sub of this.subscriptions.splice(0)) sub.unsubscribe();
    await Promise.allSettled([...this.users.values()].map((u) => u.client.destroy()));
  }

  // ---- setup to T4: UID 2 is there, UID 1 joins and publishes, UID 2 subscribes ----

  private async joinAndPublish(): Promise<void> {
    const { run } = this;
    const one = this.user(1);
    const two = this.user(2);
    this.status('Before T0 · UID 2 joins, so that it is in the channel when UID 1 arrives');
    await two.client.join(null, this.options.channel, 2);

    this.status('T0 · UID 1 calls join()');
    run.action(1, 'join()', 'T0');
    await one.client.join(null, this.options.channel, 1);
    this.status('T1 · UID 1 is CONNECTED; T2 · UID 2 hears of it');
    await this.step('T2', 2, 5000, 'UID 2 gets peer-online 1');

    this.status('T3 · UID 1 publishes');
    run.action(1, 'publish()', 'T3');
    const stream = await one.client.publish();
    one.stream = stream;
    this.ticker = setInterval(() => {
      // A page timer on the main thread: the honest source of these ticks (it pauses in a freeze).
      stream.send(`tick ${++one.sent}`);
      run.tick(1);
    }, TICK_MS);
    await this.step('T4', 2, 5000, 'UID 2 gets stream-added 1');
    const remote = await two.client.subscribe(1, stream.id);
    two.remote = remote;
    this.subscriptions.push(
      remote.messages$.subscribe(({ data }) => {
        two.last = { text: typeof data === 'string' ? data : `${data.byteLength} bytes`, at: run.now() };
        run.tick(2);
      }),
    );
    this.status('T4 · ticks flow from UID 1 to UID 2');
    const since = run.now();
    await this.until(() => run.ticksSince(2, since) >= LEAD_TICKS, 5000, 'ticks reach UID 2');
  }

  // ---- T5 to T10: UID 1's uplink fails, then comes back ----

  private async cut(ms: number): Promise<void> {
    const { run } = this;
    const one = this.user(1).client;
    const long = this.scenario === 'seed';
    const { connectionTimeoutMs } = CLIENT_DEFAULTS;
    if (long) await this.slowDown();
    const from = run.action(1, `network cut for ${seconds(ms)} (simulateNetworkLoss)`, 'T5', 'warn').at;
    await one.debug.simulateNetworkLoss(ms);
    run.span({ kind: 'cut', lanes: [1], from, to: from + ms, label: `network cut ${seconds(ms)}` });
    // The worker ends the cut on its own timer and retries at once: the mark goes at that moment.
    const restored = this.sleep(ms).then(() => run.action(1, 'network back', 'T9', 'ok', Math.min(run.now(), from + ms)));
    restored.catch(() => {}); // awaited below; a stop before that is not an error

    this.status(`T5 · UID 1's link is dead but looks open; T7 comes within its ${seconds(connectionTimeoutMs)} heartbeat deadline`);
    await this.step('T7', 1, connectionTimeoutMs + 4000, 'UID 1 goes CONNECTING');
    // CONNECTING is the contract that it retries; each failed attempt is a connection-attempt-failed event.
    run.note(1, 'retrying with backoff while CONNECTING', 'T5', 'warn');
    if (long) {
      this.status(`T6 · the server waits for its stream timeout (${seconds(SERVER_DEFAULTS.streamTimeoutMs)} without data from UID 1)`);
      await this.step('T6', 2, ms, 'UID 2 gets stream-removed NO_DATA');
      this.status(`T8 · …and its peer timeout (${seconds(SERVER_DEFAULTS.peerTimeoutMs)} of silence)`);
      await this.step('T8', 2, ms, 'UID 2 gets peer-leave SERVER_TIMEOUT');
      this.status(`T9 · UID 1's network comes back at ${seconds(from + ms)}`);
    } else {
      this.status(`T9 · UID 1's network comes back at ${seconds(from + ms)}, within the server's ${seconds(SERVER_DEFAULTS.peerTimeoutMs)} peer timeout`);
    }
    await restored;
    this.status('T9 · UID 1 reconnects at once: the network is back');
    const back = await this.step('T9', 1, 20_000, 'UID 1 reconnects', 'event');
    if (long) {
      this.status('T10 · UID 2 sees UID 1 back');
      await this.step('T10', 2, 10_000, 'UID 2 gets peer-online 1');
      await this.until(() => this.run.marks.filter((m) => m.lane === 2 && m.step === 'T10').length >= 2, 10_000, 'UID 2 gets stream-added 1');
    }
    // Ticks reach UID 2 again: its subscription survived, and the server has decided whatever it
    // would (events and data travel on the same socket, in order).
    this.status('Ticks reach UID 2 again');
    await this.until(() => run.ticksSince(2, back.at) >= TAIL_TICKS, 10_000, 'ticks reach UID 2 again');
    if (!long) {
      // The short cut: UID 2 must have seen nothing at all since the cut.
      const seen = run.eventsSince(2, from);
      if (seen.length === 0) run.verdict(2, 'saw nothing: the session resumed', null, 'ok');
      else run.verdict(2, `saw ${seen.map((m) => m.text).join(', ')}`, null, 'bad');
    }
  }

  /** T5 as the seed tells it: UID 1's uplink deteriorates first, and both users see its quality fall. */
  private async slowDown(): Promise<void> {
    const { run } = this;
    const one = this.user(1).client;
    const two = this.user(2).client;
    const from = run.action(1, `link slowed: ${SLOW_MS} ms each way (simulateLatency)`, 'T5', 'warn').at;
    await one.debug.simulateLatency(SLOW_MS);
    this.status(`T5 · UID 1's link is slow: its quality falls, on its own card and on UID 2's`);
    await this.until(() => worstOf(one.getNetworkQuality()) >= 3, 15_000, "UID 1's own quality falls");
    run.note(1, 'own quality 3 or worse', 'T5', 'warn');
    await this.until(() => worstOf(two.getRemoteNetworkQuality().get(1)) >= 3, 15_000, "UID 2 sees UID 1's quality fall");
    run.note(2, "sees UID 1's quality 3 or worse", 'T5', 'warn');
    // A slow spell of the same length every run, so the Play button can say how long it takes.
    await this.sleep(Math.max(0, from + SLOW_SHOWS_MS - run.now()));
    await one.debug.simulateLatency(0);
  }

  // ---- the freeze: the whole page, both users included ----

  private async freeze(): Promise<void> {
    const { run } = this;
    const clients = [this.user(1).client, this.user(2).client];
    const before = await Promise.all(clients.map((c) => c.getStats()));
    this.status(`Freezing the page for ${seconds(this.options.freezeMs)}: no timers, no rendering, both users included`);
    await afterPaint();
    const from = run.now();
    while (run.now() - from < this.options.freezeMs) {
      // Deliberately blocking: nothing on this thread runs, the two workers do.
    }
    const to = run.now();
    run.span({ kind: 'freeze', lanes: [1, 2], from, to, label: `page frozen ${seconds(to - from)}` });
    this.status('Page free again: waiting for whatever the workers queued meanwhile');
    // Anything the workers queued arrives at once; give a heartbeat deadline's worth of rounds too.
    await this.sleep(SETTLE_MS);
    await this.until(() => run.ticksSince(2, to) >= TAIL_TICKS, 10_000, 'ticks reach UID 2 again');
    const after = await Promise.all(clients.map((c) => c.getStats()));
    const left = run.eventsSince(2, from - 1).map((m) => m.text);
    const changes = run.eventsSince(1, from - 1).map((m) => m.text);
    const reconnects = after.map((s, i) => s.reconnects - before[i]!.reconnects);
    if (left.length === 0 && reconnects[1] === 0) run.verdict(2, 'no one left', null, 'ok');
    else run.verdict(2, `saw ${left.join(', ') || `${reconnects[1]} reconnects`}`, null, 'bad');
    if (changes.length === 0 && reconnects[0] === 0 && after[0]!.state === 'CONNECTED') run.verdict(1, 'still CONNECTED, 0 reconnects', null, 'ok');
    else run.verdict(1, `saw ${changes.join(', ') || `${reconnects[0]} reconnects`}`, null, 'bad');
  }

  // ---- helpers ----

  private user(lane: Lane): UserView {
    let user = this.users.get(lane);
    if (!user) {
      const client = createClient({ url: this.options.url });
      user = { client, stream: null, remote: null, sent: 0, last: null };
      this.users.set(lane, user);
      this.subscriptions.push(...this.run.watch(lane, client));
    }
    return user;
  }

  /** Waits for the first mark of `step` on `lane` (of `kind`, if given: an event a client reported). */
  private async step(step: StepId, lane: Lane, timeoutMs: number, what: string, kind?: 'event') {
    const found = () => this.run.marks.find((m) => m.step === step && m.lane === lane && (kind === undefined || m.kind === kind));
    await this.until(() => found() !== undefined, timeoutMs, `${step} (${what})`);
    return found()!;
  }

  private until(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
    this.waitingFor = what;
    return this.run.until(done, timeoutMs, what, this.signal).finally(() => (this.waitingFor = ''));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(timer);
        this.timers.delete(timer);
        reject(new StoryAborted());
      };
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      this.timers.add(timer);
      this.signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private status(text: string): void {
    this.onStatus(text);
  }
}
