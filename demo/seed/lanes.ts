/**
 * Two swimlanes on one time axis, drawn by hand in SVG at the container's pixel width (so text
 * keeps its size from a phone to a 1080p screen) and a fixed height (so nothing below moves).
 * Per lane: step chips (T0–T10) above, the user's own connection state as a band, what it sees of
 * the other user (online, streaming), and its ticks (sent by UID 1, received by UID 2). Under the
 * axis: the cut or freeze, and where the steps came in another order than the seed's, why.
 */
import { svg } from '../dom.js';
import type { Change, Mark, Run, Sight, Span } from './run.js';
import { orderSwaps, type Lane, type OrderSwap, type StepId } from './steps.js';

const LANE_H = 128;
const CHIP_ROWS = 3;
const CHIP_H = 17;
const ROW_GAP = 3;
const BAND_Y = 20 + CHIP_ROWS * (CHIP_H + ROW_GAP) + 2;
const BAND_H = 20;
const SIGHT_Y = BAND_Y + BAND_H + 4;
const SIGHT_H = 7;
const TICKS_Y = SIGHT_Y + SIGHT_H + 3;
const TICKS_H = 10;
const AXIS_Y = 2 * LANE_H + 4;
/** Axis line, tick labels, one row for span labels (cut, freeze), one for the order notes. */
const SPAN_LABEL_Y = AXIS_Y + 30;
const ORDER_Y = AXIS_Y + 40;
export const LANES_HEIGHT = AXIS_Y + 60; // = .lanes height in seed.css
const TICK_BUCKET_MS = 250;
const CHAR_W = 6.7;
/** Width of a character of the 11 px sans labels under the axis, roughly. */
const CHAR_W_SMALL = 5.9;

const STATE_FILL: Record<string, string> = {
  CONNECTED: '#bbf7d0',
  CONNECTING: '#fde68a',
  DISCONNECTED: '#eef0f3',
  DISCONNECTING: '#e2e8f0',
};
const SIGHT_FILL: Record<Sight, string | null> = { none: null, online: '#c7d7fb', stream: '#2f6fec' };
/** Red is for what fits no step only: what the story expects never is. */
const TONE: Record<Mark['tone'], string> = { ok: '#16a34a', warn: '#d97706', gone: '#7c3aed', failed: '#b45309', info: '#2f6fec', bad: '#dc2626' };
const LANE_TITLE: Record<Lane, string> = { 1: 'UID 1 · publisher', 2: 'UID 2 · subscriber' };

export interface LanesView {
  width: number;
  /** The axis spans at least this much (the scenario's expected length). */
  domainMs: number;
  /** The step the story is at, highlighted. */
  current: StepId | null;
}

export function renderLanes(host: HTMLElement, run: Run | null, view: LanesView): void {
  const { width } = view;
  // Up to now, or the end of the run (or a late event after it, should one come).
  const end = run ? Math.max(run.elapsed(), run.marks.at(-1)?.at ?? 0) : 0;
  const domain = Math.max(view.domainMs, end + 500);
  const left = width >= 560 ? 56 : 42;
  const right = 10;
  const x = (t: number) => left + (Math.max(0, t) / domain) * (width - left - right);

  const root = svg('svg', {
    width,
    height: LANES_HEIGHT,
    viewBox: `0 0 ${width} ${LANES_HEIGHT}`,
    role: 'img',
    'aria-label': run ? summary(run) : 'Two empty swimlanes: press Play.',
    class: 'lanes-svg',
  });
  root.append(patterns());
  for (const lane of [1, 2] as const) root.append(drawLane(lane, run, x, end, left, width - right, view.current));
  // A span is drawn as far as it went (a cut is requested for a duration, but has not happened yet).
  if (run) for (const span of run.spans) root.append(drawSpan({ ...span, to: Math.min(span.to, end) }, x));
  root.append(drawAxis(domain, x, left, width - right));
  if (run) for (const swap of orderSwaps((id) => run.first(id)?.at)) root.append(drawSwap(swap, run, x, left, width - right));
  if (run && run.endedAt === null) {
    root.append(svg('line', { class: 'now', x1: x(end), x2: x(end), y1: 16, y2: AXIS_Y, 'data-testid': 'now-line' }));
  }
  host.replaceChildren(root);
}

function drawLane(lane: Lane, run: Run | null, x: (t: number) => number, end: number, x0: number, x1: number, current: StepId | null): SVGGElement {
  const top = (lane - 1) * LANE_H;
  const g = svg('g', { transform: `translate(0 ${top})`, 'data-testid': 'lane', 'data-lane': lane });
  g.append(svg('text', { x: 0, y: 12, class: 'lane-title' }, LANE_TITLE[lane]));
  const gutter = (y: number, text: string) => svg('text', { x: x0 - 6, y, class: 'gutter' }, text);
  g.append(gutter(BAND_Y + 14, 'state'), gutter(SIGHT_Y + 7, `sees ${lane === 1 ? 2 : 1}`), gutter(TICKS_Y + 9, lane === 1 ? 'sent' : 'recv'));
  g.append(svg('rect', { x: x0, y: BAND_Y, width: x1 - x0, height: BAND_H, class: 'band-bg' }));
  g.append(svg('line', { x1: x0, x2: x1, y1: SIGHT_Y + SIGHT_H / 2, y2: SIGHT_Y + SIGHT_H / 2, class: 'sight-none' }));
  if (!run) return g;
  const record = run.lanes[lane];

  const marks = run.marks.filter((m) => m.lane === lane);
  for (const [from, to, state] of segments(record.states, end)) {
    const w = x(to) - x(from);
    g.append(svg('rect', { x: x(from), y: BAND_Y, width: Math.max(w, 0.5), height: BAND_H, fill: STATE_FILL[state] ?? '#eee', 'data-state': state }));
    // The label goes in the widest stretch between marks, so no mark covers it.
    const edges = [x(from), ...marks.map((m) => x(m.at)).filter((px) => px > x(from) && px < x(to)), x(to)].sort((a, b) => a - b);
    const gaps = edges.slice(1).map((right, i) => [edges[i]!, right] as const);
    const [gapFrom, gapTo] = gaps.reduce((best, gap) => (gap[1] - gap[0] > best[1] - best[0] ? gap : best));
    const label = [state === 'CONNECTING' ? 'CONNECTING · retrying' : state, state].find((l) => gapTo - gapFrom > l.length * 7 + 14);
    if (label) g.append(svg('text', { x: (gapFrom + gapTo) / 2, y: BAND_Y + 14, class: 'band-text' }, label));
  }
  for (const [from, to, sight] of segments(record.sight, end)) {
    const fill = SIGHT_FILL[sight];
    if (fill) g.append(svg('rect', { x: x(from), y: SIGHT_Y, width: Math.max(x(to) - x(from), 0.5), height: SIGHT_H, fill, rx: 2 }));
  }
  g.append(drawTicks(record.ticks, x, end, lane));
  g.append(drawChips(marks, x, x0, x1, current));
  for (const mark of marks) g.append(drawMark(mark, x));
  return g;
}

/** [from, to, value] for each change, the last one running to `end`. */
function segments<T>(changes: readonly Change<T>[], end: number): [number, number, T][] {
  return changes.map((c, i) => [c.at, changes[i + 1]?.at ?? end, c.value]);
}

function drawTicks(ticks: readonly number[], x: (t: number) => number, end: number, lane: Lane): SVGGElement {
  const g = svg('g', { class: `ticks ticks-${lane}`, 'data-testid': 'ticks', 'data-lane': lane, 'data-count': ticks.length });
  const buckets = new Map<number, number>();
  for (const t of ticks) if (t <= end) buckets.set(Math.floor(t / TICK_BUCKET_MS), (buckets.get(Math.floor(t / TICK_BUCKET_MS)) ?? 0) + 1);
  for (const [bucket, count] of buckets) {
    const from = x(bucket * TICK_BUCKET_MS);
    const h = Math.min(count, 3) * (TICKS_H / 3);
    const width = Math.max(x((bucket + 1) * TICK_BUCKET_MS) - from - 0.5, 1);
    g.append(svg('rect', { x: from, y: TICKS_Y + TICKS_H - h, width, height: h, 'data-from': bucket * TICK_BUCKET_MS, 'data-count': count }));
  }
  return g;
}

interface Chip {
  at: number;
  label: string;
  tone: 'step' | 'current' | Mark['tone'];
  step: StepId | null;
  kind: Mark['kind'];
}

/** One chip per step (at its first mark), one per unexpected event, one per verdict. */
function chipsOf(marks: readonly Mark[], current: StepId | null): Chip[] {
  const chips: Chip[] = [];
  const seen = new Set<StepId>();
  for (const m of marks) {
    if (m.kind === 'verdict') chips.push({ at: m.at, label: m.step ? `${m.step} · ${m.text}` : m.text, tone: m.tone, step: m.step, kind: m.kind });
    else if (m.step && !seen.has(m.step)) {
      seen.add(m.step);
      chips.push({ at: m.at, label: m.step, tone: m.step === current ? 'current' : 'step', step: m.step, kind: m.kind });
    } else if (!m.step && m.kind === 'event') chips.push({ at: m.at, label: `! ${m.text}`, tone: 'bad', step: null, kind: m.kind });
  }
  return chips;
}

/** Chips in up to CHIP_ROWS rows, each placed in the first row with room, leader lines to the band. */
function drawChips(marks: readonly Mark[], x: (t: number) => number, x0: number, x1: number, current: StepId | null): SVGGElement {
  const g = svg('g', { class: 'chips' });
  const rowEnds = Array<number>(CHIP_ROWS).fill(-Infinity);
  for (const chip of chipsOf(marks, current).sort((a, b) => a.at - b.at)) {
    const w = chip.label.length * CHAR_W + 10;
    const anchor = x(chip.at);
    let cx = clamp(anchor - w / 2, x0 - 4, x1 - w);
    let row = rowEnds.findIndex((e) => e + 3 <= cx);
    if (row < 0) {
      row = rowEnds.indexOf(Math.min(...rowEnds));
      cx = Math.min(rowEnds[row]! + 3, x1 - w);
    }
    rowEnds[row] = cx + w;
    const y = 20 + row * (CHIP_H + ROW_GAP);
    const c = svg('g', {
      class: `chip chip-${chip.tone}`,
      'data-testid': 'chip',
      'data-step': chip.step ?? '',
      'data-kind': chip.kind,
      'data-label': chip.label,
    });
    c.append(
      svg('line', { x1: clamp(anchor, cx + 3, cx + w - 3), y1: y + CHIP_H, x2: anchor, y2: BAND_Y, class: 'leader' }),
      svg('rect', { x: cx, y, width: w, height: CHIP_H, rx: 8.5 }),
      svg('text', { x: cx + w / 2, y: y + 12.5 }, chip.label),
    );
    g.append(c);
  }
  return g;
}

function drawMark(mark: Mark, x: (t: number) => number): SVGGElement {
  const cx = x(mark.at);
  const cy = BAND_Y + BAND_H / 2;
  const g = svg('g', {
    class: `mark mark-${mark.kind}`,
    'data-testid': 'mark',
    'data-lane': mark.lane,
    'data-step': mark.step ?? '',
    'data-kind': mark.kind,
    'data-tone': mark.tone,
    'data-event': mark.text,
    'data-at': Math.round(mark.at),
  });
  const title = svg('title', {}, `${(mark.at / 1000).toFixed(3)} s · UID ${mark.lane} · ${mark.step ? `${mark.step} · ` : ''}${mark.text}`);
  if (mark.tone === 'failed') {
    // A failed attempt is a cross: not an arrival, not a surprise either.
    const d = 3.5;
    g.append(svg('path', { d: `M${cx - d} ${cy - d}L${cx + d} ${cy + d}M${cx + d} ${cy - d}L${cx - d} ${cy + d}`, stroke: TONE.failed, 'stroke-width': 2.2, 'stroke-linecap': 'round' }), title);
  } else if (mark.kind === 'action') g.append(svg('rect', { x: cx - 4, y: cy - 4, width: 8, height: 8, transform: `rotate(45 ${cx} ${cy})`, fill: '#1b2330' }), title);
  else if (mark.kind === 'note') g.append(svg('circle', { cx, cy, r: 4, fill: '#fff', stroke: TONE[mark.tone], 'stroke-width': 2 }), title);
  else g.append(svg('circle', { cx, cy, r: mark.kind === 'verdict' ? 6 : 4.5, fill: TONE[mark.tone] }), title);
  return g;
}

function drawSpan(span: Span, x: (t: number) => number): SVGGElement {
  const g = svg('g', { class: `span span-${span.kind}`, 'data-testid': 'span', 'data-kind': span.kind, 'data-from': Math.round(span.from), 'data-to': Math.round(span.to) });
  const lanes = [...span.lanes].sort();
  const y0 = (lanes[0]! - 1) * LANE_H + BAND_Y;
  const y1 = (lanes.at(-1)! - 1) * LANE_H + TICKS_Y + TICKS_H;
  const w = Math.max(x(span.to) - x(span.from), 1);
  g.append(
    svg('rect', { x: x(span.from), y: y0, width: w, height: y1 - y0, fill: `url(#hatch-${span.kind})` }),
    svg('rect', { x: x(span.from), y: y0 - 3, width: w, height: 3, class: 'span-bar' }),
    svg('line', { x1: x(span.from), x2: x(span.from), y1: y0, y2: SPAN_LABEL_Y - 6, class: 'span-edge' }),
    svg('text', { x: x(span.from) + 4, y: SPAN_LABEL_Y, class: 'span-label' }, span.label),
  );
  return g;
}

function drawAxis(domain: number, x: (t: number) => number, x0: number, x1: number): SVGGElement {
  const g = svg('g', { class: 'axis' });
  g.append(svg('line', { x1: x0, x2: x1, y1: AXIS_Y, y2: AXIS_Y }));
  const pxPerSecond = (x1 - x0) / (domain / 1000);
  const step = [1, 2, 5, 10, 15, 30, 60, 120].find((s) => s * pxPerSecond >= 44) ?? 300;
  for (let s = 0; s * 1000 <= domain; s += step) {
    const px = x(s * 1000);
    g.append(svg('line', { x1: px, x2: px, y1: AXIS_Y, y2: AXIS_Y + 4 }), svg('text', { x: px, y: AXIS_Y + 15 }, `${s} s`));
  }
  return g;
}

/**
 * A step that came before one the seed puts ahead of it: a bracket under the axis from the early
 * step to the late one, and the reason in one line (as long a version as fits).
 */
function drawSwap(swap: OrderSwap, run: Run, x: (t: number) => number, x0: number, x1: number): SVGGElement {
  const from = x(run.first(swap.early)!.at);
  const to = x(run.first(swap.late)!.at);
  const g = svg('g', { class: 'order', 'data-testid': 'order-note', 'data-early': swap.early, 'data-late': swap.late });
  const y = ORDER_Y;
  g.append(
    svg('path', { d: `M${from} ${y - 5}V${y}H${to}V${y - 5}`, class: 'order-bracket' }),
    svg('circle', { cx: from, cy: y - 5, r: 2.5, class: 'order-end' }),
    svg('circle', { cx: to, cy: y - 5, r: 2.5, class: 'order-end' }),
  );
  const head = `${swap.early} before ${swap.late}`;
  const label = [`${head}: ${swap.why}`, `${head} (see the steps)`, head].find((l) => l.length * CHAR_W_SMALL <= x1 - x0) ?? head;
  const tx = clamp(from, x0, x1 - label.length * CHAR_W_SMALL);
  g.append(svg('text', { x: tx, y: y + 13, class: 'order-text' }, label));
  return g;
}

function patterns(): SVGDefsElement {
  const hatch = (id: string, color: string) =>
    svg(
      'pattern',
      { id, width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' },
      svg('line', { x1: 0, y1: 0, x2: 0, y2: 6, stroke: color, 'stroke-width': 2, 'stroke-opacity': 0.35 }),
    );
  return svg('defs', {}, hatch('hatch-cut', '#475569'), hatch('hatch-freeze', '#2563eb'));
}

/** The lanes in words, for screen readers. */
function summary(run: Run): string {
  const lane = (l: Lane) =>
    run.marks
      .filter((m) => m.lane === l)
      .map((m) => `${m.step ?? (m.kind === 'event' ? 'unexpected' : 'verdict')} ${m.text} at ${(m.at / 1000).toFixed(1)} s`)
      .join('; ');
  return `UID 1: ${lane(1) || 'nothing yet'}. UID 2: ${lane(2) || 'nothing yet'}.`;
}

const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));
