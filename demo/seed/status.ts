/**
 * Live status of each user: its own state, round-trip time (a sparkline of `getStats().rttMs`),
 * reconnects, what it sees of the other user, and the last message. Every line is always laid
 * out, so values changing never move the page.
 */
import type { ConnectionState, EngineStats } from 'channel-link';
import { $, el, svg } from '../dom.js';
import { qualityBars } from '../quality-bars.js';
import type { Run } from './run.js';
import { otherOf, type Lane } from './steps.js';
import type { Story } from './story.js';

const SAMPLES = 40;
const SPARK_W = 120;
const SPARK_H = 26;

interface Card {
  state: HTMLElement;
  rtt: HTMLElement;
  spark: HTMLElement;
  reconnects: HTMLElement;
  quality: HTMLElement;
  peerQuality: HTMLElement;
  sees: HTMLElement;
  data: HTMLElement;
  samples: (number | null)[];
}

export class StatusView {
  private readonly cards: Record<Lane, Card>;
  private stats: Partial<Record<Lane, EngineStats>> = {};
  private polling = false;

  constructor() {
    this.cards = { 1: this.build(1), 2: this.build(2) };
  }

  /** A new run: forget the previous samples. */
  reset(): void {
    this.stats = {};
    for (const card of Object.values(this.cards)) card.samples.length = 0;
  }

  /** Samples both clients' stats (call every half second while a story lives). */
  async poll(story: Story | null): Promise<void> {
    if (!story || this.polling) return;
    this.polling = true;
    try {
      await Promise.all(
        ([1, 2] as const).map(async (lane) => {
          const user = story.users.get(lane);
          if (!user) return;
          const stats = await user.client.getStats().catch(() => null);
          if (!stats) return;
          this.stats[lane] = stats;
          const samples = this.cards[lane].samples;
          samples.push(stats.state === 'CONNECTED' ? stats.rttMs : null);
          if (samples.length > SAMPLES) samples.shift();
        }),
      );
    } finally {
      this.polling = false;
    }
  }

  render(story: Story | null, run: Run | null): void {
    for (const lane of [1, 2] as const) this.renderCard(lane, story, run);
  }

  private build(lane: Lane): Card {
    const host = $(`user-${lane}`);
    const line = (label: string, value: HTMLElement, extra?: HTMLElement) => el('div', { class: 'kv' }, el('span', { class: 'k' }, label), value, ...(extra ? [extra] : []));
    const card: Card = {
      state: el('span', { class: 'badge', 'data-testid': `user-${lane}-state`, 'data-state': 'DISCONNECTED' }, 'DISCONNECTED'),
      rtt: el('span', { class: 'v mono', 'data-testid': `user-${lane}-rtt` }, '–'),
      spark: el('span', { class: 'spark', 'aria-hidden': 'true' }),
      reconnects: el('span', { class: 'v mono' }, '0'),
      quality: el('span', { class: 'v' }),
      peerQuality: el('span', { class: 'v' }),
      sees: el('span', { class: 'v', 'data-testid': `user-${lane}-sees` }, '–'),
      data: el('span', { class: 'v', 'data-testid': `user-${lane}-data` }, '–'),
      samples: [],
    };
    host.append(
      el(
        'header',
        { class: 'user-head' },
        el('span', { class: 'uid-pill' }, `UID ${lane}`),
        el('span', { class: 'role' }, lane === 1 ? 'publisher · own Worker' : 'subscriber · own Worker'),
        card.state,
      ),
      line('RTT', card.rtt, card.spark),
      line('Reconnects', card.reconnects),
      line('My link', card.quality),
      line(`UID ${otherOf(lane)}'s link`, card.peerQuality),
      line(`Sees UID ${otherOf(lane)}`, card.sees),
      line(lane === 1 ? 'My stream' : 'Last message', card.data),
    );
    return card;
  }

  private renderCard(lane: Lane, story: Story | null, run: Run | null): void {
    const card = this.cards[lane];
    const user = story?.users.get(lane);
    const states = run?.lanes[lane].states;
    const state: ConnectionState = states?.at(-1)?.value ?? 'DISCONNECTED';
    card.state.textContent = state;
    card.state.dataset.state = state;
    const stats = this.stats[lane];
    card.rtt.textContent = stats?.rttMs != null && state === 'CONNECTED' ? `${Math.round(stats.rttMs)} ms` : '–';
    card.reconnects.textContent = String(stats?.reconnects ?? 0);
    card.spark.replaceChildren(sparkline(card.samples));
    // The quality each side sees: its own (network-quality), and the other's as that one shares it.
    card.quality.replaceChildren(qualityBars(user?.client.getNetworkQuality(), `user-${lane}-quality`));
    card.peerQuality.replaceChildren(qualityBars(user?.client.getRemoteNetworkQuality().get(otherOf(lane)), `user-${lane}-peer-quality`));

    const now = run?.elapsed() ?? 0;
    const sight = run?.lanes[lane].sight.at(-1);
    const other = otherOf(lane);
    if (!run || !sight) card.sees.textContent = '–';
    else if (sight.value === 'none') {
      const left = [...run.marks].reverse().find((m) => m.lane === lane && m.text.startsWith(`peer-leave ${other} `));
      card.sees.textContent = left && left.at >= sight.at - 50 ? `left · ${left.text.split(' ').at(-1)} · at ${secs(left.at)}` : 'not in the channel';
      card.sees.className = 'v gone';
    } else {
      card.sees.textContent = sight.value === 'stream' ? `online · streaming${lane === 2 ? ', subscribed' : ''}` : 'online · no streams';
      card.sees.className = 'v on';
    }

    if (!user) card.data.textContent = '–';
    else if (lane === 1) {
      card.data.textContent = user.stream ? `${user.sent} ticks sent, by a page timer` : 'not publishing';
      card.data.title = user.stream ? `stream ${user.stream.id}` : '';
    } else {
      card.data.textContent = user.last ? `${user.last.text} · ${secs(Math.max(0, now - user.last.at))} ago` : 'none yet';
    }
  }
}

function sparkline(samples: readonly (number | null)[]): SVGSVGElement {
  const root = svg('svg', { width: SPARK_W, height: SPARK_H, viewBox: `0 0 ${SPARK_W} ${SPARK_H}` });
  const values = samples.filter((v): v is number => v !== null);
  const max = Math.max(5, ...values);
  const step = SPARK_W / (SAMPLES - 1);
  const offset = SAMPLES - samples.length;
  let path = '';
  samples.forEach((v, i) => {
    if (v === null) return;
    const px = (offset + i) * step;
    const py = SPARK_H - 2 - (v / max) * (SPARK_H - 4);
    path += `${i > 0 && samples[i - 1] !== null ? 'L' : 'M'}${px.toFixed(1)} ${py.toFixed(1)} `;
  });
  root.append(svg('line', { x1: 0, x2: SPARK_W, y1: SPARK_H - 1, y2: SPARK_H - 1, class: 'spark-base' }));
  if (path) root.append(svg('path', { d: path, class: 'spark-line' }));
  root.append(svg('text', { x: SPARK_W - 2, y: 9, class: 'spark-max' }, `${Math.round(max)} ms`));
  return root;
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
