/**
 * The seed timeline view (the demo's default): UID 1 and UID 2 in one page, on one time axis.
 * Query parameters: url (the server, default this page's host), cut, grace, freeze (seconds: the
 * long and short network cuts and the freeze; defaults 20, 6 and 12, for the server's default
 * 10 s timeouts), play=seed|grace|freeze to start at once.
 */
import { $, appendToLog, describeError, el } from '../dom.js';
import { SERVER_DEFAULTS, seconds } from '../timeouts.js';
import { renderLanes } from './lanes.js';
import { Run, StepTimeout, StoryAborted, type Mark } from './run.js';
import { StatusView } from './status.js';
import { STEPS, STORY_STEPS, orderSwaps, stepIndex, type StepId } from './steps.js';
import { Story, expectedDurationMs, type Scenario, type StoryOptions } from './story.js';

const params = new URLSearchParams(location.search);
const secondsParam = (name: string, fallback: number) => {
  const value = Number(params.get(name));
  return params.has(name) && value > 0 ? value * 1000 : fallback;
};
const options: Omit<StoryOptions, 'channel'> = {
  url: params.get('url') ?? `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}`,
  cutMs: secondsParam('cut', 20_000),
  graceCutMs: secondsParam('grace', 6_000),
  freezeMs: secondsParam('freeze', 12_000),
};
/** Each page load gets its own channels, so two people playing on one server never meet. */
const pageId = Math.random().toString(36).slice(2, 8);
let runs = 0;

const SCENARIOS: readonly Scenario[] = ['seed', 'grace', 'freeze'];
/** How long each scenario runs when all goes as its script says. */
const DURATION_MS = Object.fromEntries(SCENARIOS.map((s) => [s, expectedDurationMs(s, options)])) as Record<Scenario, number>;
/** The axis length each scenario is drawn on at first (it grows if the run takes longer). */
const AXIS_MS = Object.fromEntries(SCENARIOS.map((s) => [s, DURATION_MS[s] + 1500])) as Record<Scenario, number>;
const { peerTimeoutMs, streamTimeoutMs } = SERVER_DEFAULTS;
/** Steps a scenario does not show, with a note on why where it is not obvious. */
const NOT_IN: Record<Scenario, Partial<Record<StepId, string>>> = {
  seed: {},
  grace: Object.fromEntries(
    (['T6', 'T8', 'T10'] as const).map((id) => [id, `not expected: UID 1 is back within the server's ${seconds(peerTimeoutMs)} peer timeout`]),
  ),
  freeze: Object.fromEntries(STEPS.slice(stepIndex('T5')).map((s) => [s.id, ''])),
};
const BUTTON_LABEL: Record<Scenario, string> = { seed: 'play', grace: 'play-grace', freeze: 'play-freeze' };

let story: Story | null = null;
let run: Run | null = null;
let scenario: Scenario = 'seed';
let abort: AbortController | null = null;
let outcome: 'idle' | 'running' | 'done' | 'failed' | 'stopped' = 'idle';
const status = new StatusView();
const lanesHost = $('lanes');
let lanesDirty = true;

// ---- the texts built from the timeouts and the scripts ----

for (const name of SCENARIOS) $(`duration-${name}`).textContent = `~${Math.round(DURATION_MS[name] / 1000)} s`;
const INTRO =
  `Press Play: UID 2 is in the channel; UID 1 joins, publishes, then loses its network for ${seconds(options.cutMs)}, ` +
  `longer than the server's ${seconds(peerTimeoutMs)} peer timeout, and comes back.`;
$('server-timeouts').textContent =
  streamTimeoutMs === peerTimeoutMs
    ? `The server keeps its defaults: ${seconds(peerTimeoutMs)} stream and peer timeouts.`
    : `The server keeps its defaults: a ${seconds(streamTimeoutMs)} stream timeout, a ${seconds(peerTimeoutMs)} peer timeout.`;

// ---- the step list ----

const stepItems = new Map<StepId, { item: HTMLElement; when: HTMLElement; note: HTMLElement }>();
for (const step of STEPS) {
  const when = el('span', { class: 'when' });
  const note = el('span', { class: 'note', 'data-testid': 'step-note' });
  const item = el(
    'li',
    { 'data-testid': 'step', 'data-step': step.id, 'data-lane': step.lane, 'data-status': 'pending', class: step.id === 'setup' ? 'setup' : undefined },
    el('span', { class: 'step-id' }, step.id),
    el(
      'div',
      { class: 'step-text' },
      el('strong', { 'data-testid': 'step-title' }, step.title),
      el('span', { class: 'detail' }, `UID ${step.lane} · ${step.detail}`),
      note,
    ),
    when,
  );
  stepItems.set(step.id, { item, when, note });
  $('steps').append(item);
}

/** The step begun last: the one whose first mark is the latest. */
function currentStep(): StepId | null {
  if (!run || outcome !== 'running') return null;
  let current: Mark | undefined;
  for (const step of STEPS) {
    const first = run.first(step.id);
    if (first && (!current || first.at >= current.at)) current = first;
  }
  return current?.step ?? null;
}

function renderSteps(): void {
  const current = currentStep();
  for (const step of STEPS) {
    const { item, when, note } = stepItems.get(step.id)!;
    const first = run?.first(step.id);
    const skipped = run ? NOT_IN[scenario][step.id] : undefined;
    const status = first ? (step.id === current ? 'current' : 'done') : skipped !== undefined ? 'skipped' : outcome === 'failed' || outcome === 'stopped' ? 'missed' : 'pending';
    item.dataset.status = status;
    if (status === 'current') item.setAttribute('aria-current', 'step');
    else item.removeAttribute('aria-current');
    when.textContent = first ? `${(first.at / 1000).toFixed(1)} s` : '';
    note.textContent = skipped && !first ? skipped : status === 'missed' ? 'not seen in this run' : '';
  }
}

// ---- the log ----

/** Events as reported; the page's own lines marked: ▸ the script did it, ~ what a state means, ✔/✘ a verdict. */
const prefix = (mark: Mark) => ({ event: '', action: '▸ ', note: '~ ', verdict: mark.tone === 'ok' ? '✔ ' : '✘ ' })[mark.kind];

function logMark(mark: Mark): void {
  appendToLog(
    $('seed-log'),
    el(
      'li',
      {
        'data-testid': 'log-entry',
        'data-lane': mark.lane,
        'data-step': mark.step ?? '',
        'data-kind': mark.kind,
        'data-event': mark.text,
        class: `tone-${mark.tone}`,
      },
      el('time', {}, `${(mark.at / 1000).toFixed(3)} s`),
      el('span', { class: `who who-${mark.lane}` }, `UID ${mark.lane}`),
      el('span', { class: 'what' }, `${prefix(mark)}${mark.text}`),
      el('span', { class: `step-id${mark.step ? '' : ' none'}` }, mark.step ?? (mark.kind === 'event' ? '!' : '')),
    ),
    300,
  );
}

// ---- running a story ----

function setStatus(text: string, state = outcome): void {
  const line = $('run-status');
  line.textContent = text;
  line.dataset.state = state;
}

function setRunning(running: boolean): void {
  for (const id of Object.values(BUTTON_LABEL)) $<HTMLButtonElement>(id).disabled = running;
  $<HTMLButtonElement>('stop').disabled = !running;
}

async function start(next: Scenario): Promise<void> {
  await stop();
  scenario = next;
  const controller = new AbortController();
  abort = controller;
  const channel = `seed-${pageId}-${++runs}`;
  $('channel-name').textContent = `channel ${channel}`;
  $('seed-log').replaceChildren();
  status.reset();
  run = new Run();
  run.onChange((mark) => {
    lanesDirty = true;
    if (mark) logMark(mark);
    renderSteps();
  });
  outcome = 'running';
  setRunning(true);
  $('stop').focus();
  const current = new Story(run, next, { ...options, channel }, controller.signal, (text) => setStatus(text, 'running'));
  story = current;
  renderSteps();
  try {
    await current.play();
    if (controller.signal.aborted) return;
    outcome = 'done';
    run.end();
    setStatus(summary(run), 'done');
  } catch (error) {
    if (controller.signal.aborted || error instanceof StoryAborted) return;
    outcome = 'failed';
    run.end();
    const why = error instanceof StepTimeout ? `${error.message}.` : `Failed: ${describeError(error)}.`;
    setStatus(`${why} ${hint(error)}`.trim(), 'failed');
  } finally {
    if (abort === controller) {
      abort = null;
      setRunning(false);
      $(BUTTON_LABEL[next]).focus();
      renderSteps();
    }
  }
}

/** Stops the current story (both users leave) and keeps its record on screen. */
async function stop(): Promise<void> {
  const previous = story;
  if (abort) {
    abort.abort();
    abort = null;
    outcome = 'stopped';
    run?.end();
    setStatus('Stopped: both users left the channel.', 'stopped');
    setRunning(false);
    renderSteps();
  }
  story = null;
  await previous?.dispose();
}

function summary(r: Run): string {
  const secs = `${(r.elapsed() / 1000).toFixed(1)} s`;
  const verdicts = r.marks.filter((m) => m.kind === 'verdict');
  if (scenario === 'freeze') {
    return verdicts.every((m) => m.tone === 'ok')
      ? `Done in ${secs}: the page froze ${seconds(options.freezeMs)}, past the server's ${seconds(peerTimeoutMs)} peer timeout, and no one left. Only the ticks paused.`
      : `Done in ${secs}, but something changed during the freeze: see the lanes.`;
  }
  const expected = STEPS.filter((s) => NOT_IN[scenario][s.id] === undefined).map((s) => s.id);
  const swaps = orderSwaps((id) => r.first(id)?.at);
  const missing = expected.filter((id) => !r.first(id));
  const unexpected = r.marks.filter((m) => m.kind === 'event' && !m.step);
  if (missing.length > 0 || unexpected.length > 0 || verdicts.some((m) => m.tone !== 'ok')) {
    const problems = [missing.length ? `missing ${missing.join(', ')}` : '', unexpected.length ? `unexpected: ${unexpected.map((m) => m.text).join(', ')}` : ''];
    return `Done in ${secs}, but ${problems.filter(Boolean).join('; ') || 'see the lanes'}.`;
  }
  const order = swaps.length === 0 ? "in the seed's order" : `${swaps.map((w) => `${w.early} before ${w.late}`).join(', ')} (see the axis)`;
  return scenario === 'seed'
    ? `Done in ${secs}: ${STORY_STEPS[0]!.id}–${STORY_STEPS.at(-1)!.id}, ${order}. UID 1's own view of UID 2 never changed.`
    : `Done in ${secs}: UID 1 was back within the server's ${seconds(peerTimeoutMs)} peer timeout, its session resumed, and UID 2 saw nothing.`;
}

function hint(error: unknown): string {
  if (!(error instanceof StepTimeout)) return 'Is the server running?';
  if (/T6|T8/.test(error.what)) return `Are the server's timeouts longer than ${seconds(peerTimeoutMs)}? Then pass ?cut= (seconds) longer than them.`;
  return '';
}

// ---- drawing ----

let lastDraw = 0;
function frame(now: number): void {
  const elapsed = run?.elapsed() ?? 0;
  $('clock').textContent = `${(elapsed / 1000).toFixed(1)} s`;
  // Redraw the lanes on a change, and ten times a second while the clock runs.
  if (lanesDirty || (outcome === 'running' && now - lastDraw > 100)) {
    lanesDirty = false;
    lastDraw = now;
    renderLanes(lanesHost, run, { width: lanesHost.clientWidth, domainMs: AXIS_MS[scenario], current: currentStep() });
    // The status cards show the same states as the lanes: redraw them in the same frame.
    status.render(story, run);
  }
  requestAnimationFrame(frame);
}

new ResizeObserver(() => (lanesDirty = true)).observe(lanesHost);
requestAnimationFrame(frame);
setInterval(() => {
  void status.poll(story);
  status.render(story, run);
}, 500);
setInterval(() => status.render(story, run), 250);

for (const [name, id] of Object.entries(BUTTON_LABEL) as [Scenario, string][]) {
  $(id).addEventListener('click', () => void start(name));
}
$('stop').addEventListener('click', () => void stop());
setStatus(INTRO, 'idle');
renderSteps();
status.render(null, null);
const autoplay = params.get('play');
if (autoplay === 'seed' || autoplay === 'grace' || autoplay === 'freeze') void start(autoplay);
