// The event-loop view: the asyncio run's trace replayed as a sequence diagram (tasks,
// the event loop, the I/O timer), with play, pause, step and speed controls.

import { el, svgEl, useStyles, prefersReducedMotion, formatMs } from './common.js';

// One running animation per view box: a new run (a new render) stops the previous one.
const controllers = new WeakMap();

/** Rows of messages the diagram shows at once (the latest ones). */
const WINDOW = 10;
/** The shortest time a step stays on screen at 1×, in ms: shorter gaps are stretched. */
const MIN_DWELL_MS = 450;
const SPEEDS = [0.25, 0.5, 1, 2, 4];
/** Up to this many tasks get a lifeline each; more share one "Coroutines" column. */
const MAX_TASK_COLUMNS = 6;
/** While playing, the screen reader hears at most one step per this many ms. */
const ANNOUNCE_EVERY_MS = 1500;

// At one instant, a task that yields comes before the loop's next move.
const RANK = { await: 0, finish: 0, 'io-start': 1, 'io-done': 2, resume: 3, start: 3 };

/**
 * The messages of a sequence diagram, in trace order, derived from one asyncio run's
 * spans: each task's `running` spans (the loop runs it) and `waiting-io` spans (it awaits
 * a timer that stands for I/O). Returns `[{kind, task, t}]`, `t` in µs since the run began.
 */
export function eventsOf(run) {
  const byTask = new Map();
  for (const s of run.spans) {
    if (!(Number.isFinite(s.start_us) && Number.isFinite(s.end_us) && s.end_us >= s.start_us)) continue;
    if (s.state !== 'running' && s.state !== 'waiting-io') continue;
    if (!byTask.has(s.task)) byTask.set(s.task, []);
    byTask.get(s.task).push(s);
  }
  const queues = [...byTask.keys()].sort((a, b) => a - b).map((task) => {
    const spans = byTask.get(task).sort((a, b) => a.start_us - b.start_us || (a.state === 'running' ? -1 : 1));
    const q = [];
    let t = 0;
    // A task's own messages never go back in time, even where two spans' stamps disagree.
    const push = (kind, at) => { t = Math.max(t, at); q.push({ kind, task, t }); };
    let state = 'new';
    let lastEnd = 0;
    for (const s of spans) {
      if (s.state === 'running') {
        if (state === 'new') push('start', s.start_us);
        else if (state === 'waiting') push('resume', s.start_us);
        state = 'running';
      } else {
        if (state === 'new') push('start', s.start_us);
        else if (state === 'waiting') push('resume', s.start_us); // ran for no measurable time
        push('await', state === 'running' ? lastEnd : s.start_us);
        push('io-start', s.start_us);
        push('io-done', s.end_us);
        state = 'waiting';
      }
      lastEnd = s.end_us;
    }
    if (state === 'waiting') push('resume', lastEnd);
    if (state !== 'new') push('finish', lastEnd);
    return q;
  });
  // Merge the tasks' queues by time, keeping each task's own order.
  const out = [];
  const at = queues.map(() => 0);
  for (;;) {
    let best = -1;
    for (let i = 0; i < queues.length; i++) {
      const e = queues[i][at[i]];
      if (!e) continue;
      const b = best >= 0 ? queues[best][at[best]] : null;
      if (!b || e.t < b.t || (e.t === b.t && RANK[e.kind] < RANK[b.kind])) best = i;
    }
    if (best < 0) break;
    out.push(queues[best][at[best]++]);
  }
  return out;
}

/** Who sends a message to whom, its short label and a sentence saying what happens. */
function describe(e) {
  const k = `task ${e.task}`;
  switch (e.kind) {
    case 'start': return { from: 'loop', to: 'task', label: `start ${k}`, text: `The event loop starts ${k}: its coroutine runs until it reaches an await.` };
    case 'resume': return { from: 'loop', to: 'task', label: `resume ${k}`, text: `The event loop resumes ${k} where it paused, with the result of its await.` };
    case 'await': return { from: 'task', to: 'loop', label: `${k}: await (yield)`, text: `${cap(k)} reaches an await whose result is not ready: it yields control back to the event loop.` };
    case 'io-start': return { from: 'loop', to: 'io', label: `start timer for ${k}`, text: `The event loop starts ${k}'s I/O (here a timer standing in for it), then goes on with other ready tasks.` };
    case 'io-done': return { from: 'io', to: 'loop', label: `timer done: ${k} ready`, text: `${cap(k)}'s I/O completes: the event loop marks ${k} ready to run again.` };
    case 'finish': return { from: 'task', to: 'loop', label: `${k} returns`, text: `${cap(k)} finishes: its coroutine returns, and the event loop has one task fewer.` };
    default: return { from: 'loop', to: 'loop', label: e.kind, text: e.kind };
  }
}
const cap = (s) => s[0].toUpperCase() + s.slice(1);

/** Everyone's state after the first `step` events. */
function stateAt(events, step, tasks) {
  const task = new Map(tasks.map((t) => [t, 'not started']));
  let loop = null; // the task the loop is running, or null
  const pending = new Set();
  for (let i = 0; i < step; i++) {
    const e = events[i];
    switch (e.kind) {
      case 'start': case 'resume': task.set(e.task, 'running'); loop = e.task; break;
      case 'await': task.set(e.task, 'awaiting'); if (loop === e.task) loop = null; break;
      case 'io-start': pending.add(e.task); break;
      case 'io-done': pending.delete(e.task); task.set(e.task, 'ready'); break;
      case 'finish': task.set(e.task, 'done'); if (loop === e.task) loop = null; break;
    }
  }
  return { task, loop, pending };
}

const STATE_CLASS = { running: 'running', awaiting: 'waiting-io', ready: 'ready', done: 'done', 'not started': 'new' };

/** Draws the diagram for `step` (events before it have happened; the last is current). */
function drawDiagram(svg, model, step) {
  const { events, tasks } = model;
  const perTask = tasks.length <= MAX_TASK_COLUMNS;
  const W = 720; // the svg's class lab-w720 keeps this width legible on a phone (lab.css)
  const left = 78;
  const cols = perTask ? tasks.length + 2 : 3;
  const gap = (W - left - 20) / cols;
  const colX = (i) => left + gap * (i + 0.5);
  const taskX = (t) => (perTask ? colX(tasks.indexOf(t)) : colX(0));
  const loopX = colX(cols - 2);
  const ioX = colX(cols - 1);
  const top = 86;
  const rowH = 30;
  const H = top + WINDOW * rowH + 8;
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.replaceChildren();
  const st = stateAt(events, step, tasks);

  // Participants, their state now, and their lifelines.
  const heads = perTask
    ? tasks.map((t) => ({ x: taskX(t), name: `Task ${t}`, state: st.task.get(t), cls: STATE_CLASS[st.task.get(t)] }))
    : [{ x: colX(0), name: 'Coroutines', state: coroutinesSummary(st), cls: st.loop !== null ? 'running' : 'new' }];
  heads.push({ x: loopX, name: 'Event loop', state: st.loop !== null ? `running task ${st.loop}` : (step === 0 ? 'not started' : step >= events.length ? 'finished' : 'idle: waits for I/O'), cls: st.loop !== null ? 'running' : 'new' });
  heads.push({ x: ioX, name: 'I/O (timer)', state: st.pending.size ? `${st.pending.size} timer${st.pending.size > 1 ? 's' : ''} pending` : 'nothing pending', cls: st.pending.size ? 'waiting-io' : 'new' });
  if (perTask) {
    svg.append(svgEl('text', { x: (taskX(tasks[0]) + taskX(tasks[tasks.length - 1])) / 2, y: 12, class: 'lab-el-group' }, 'Coroutines'));
  }
  const boxW = Math.min(gap - 8, 120);
  for (const h of heads) {
    svg.append(svgEl('line', { x1: h.x, y1: 48, x2: h.x, y2: H - 4, class: 'lab-el-lifeline' }));
    svg.append(svgEl('rect', { x: h.x - boxW / 2, y: 18, width: boxW, height: 26, rx: 5, class: `lab-el-head lab-el-head-${h.cls}` }));
    svg.append(svgEl('text', { x: h.x, y: 36, class: 'lab-el-name' }, h.name));
    svg.append(svgEl('text', { x: h.x, y: 62, class: 'lab-el-state' }, h.state));
  }

  if (step === 0) {
    svg.append(svgEl('text', { x: W / 2 + left / 2, y: top + 2 * rowH, class: 'lab-el-empty' }, 'Press Play or Step forward to replay the run.'));
    return;
  }
  // The latest messages, oldest at the top, the current one highlighted.
  const from = Math.max(0, step - WINDOW);
  if (from > 0) svg.append(svgEl('text', { x: 4, y: top - 4, class: 'lab-el-more' }, `⋮ ${from} earlier`));
  for (let i = from; i < step; i++) {
    const e = events[i];
    const d = describe(e);
    const y = top + (i - from) * rowH + rowH * 0.7;
    const x = { task: taskX(e.task), loop: loopX, io: ioX };
    const x1 = x[d.from];
    const x2 = x[d.to];
    const current = i === step - 1;
    const g = svgEl('g', { class: `lab-el-msg lab-el-msg-${e.kind}${current ? ' lab-el-current' : ''}` });
    if (current) g.append(svgEl('rect', { x: 0, y: y - rowH * 0.7, width: W, height: rowH, class: 'lab-el-band' }));
    g.append(svgEl('text', { x: 4, y: y + 4, class: 'lab-el-time' }, formatMs(e.t / 1000)));
    const dir = Math.sign(x2 - x1) || 1;
    const tip = x2 - dir * 3;
    g.append(svgEl('line', { x1: x1 + dir * 3, y1: y, x2: tip - dir * 7, y2: y, class: 'lab-el-arrow' }));
    g.append(svgEl('path', { d: `M${tip},${y} l${-dir * 9},-4.5 l0,9 z`, class: 'lab-el-head-arrow' }));
    g.append(svgEl('text', { x: (x1 + x2) / 2, y: y - 5, class: 'lab-el-label' }, `${i + 1}. ${d.label}`));
    svg.append(g);
  }
}

function coroutinesSummary(st) {
  const count = (s) => [...st.task.values()].filter((v) => v === s).length;
  const parts = [];
  if (st.loop !== null) parts.push(`task ${st.loop} runs`);
  if (count('awaiting')) parts.push(`${count('awaiting')} awaiting`);
  if (count('ready')) parts.push(`${count('ready')} ready`);
  if (count('done')) parts.push(`${count('done')} done`);
  return parts.join(', ') || 'not started';
}

/** Renders (or re-renders, after a new run) the view into `box`. */
export function render(box, report) {
  useStyles();
  controllers.get(box)?.stop();
  controllers.delete(box);
  box.replaceChildren();
  const run = report?.runs?.find((r) => r.model === 'asyncio');
  const root = el('section', { class: 'lab-el', 'aria-label': 'The event loop, step by step' });
  box.append(root);
  root.append(el('p', { class: 'lab-view-heading' }, 'The event loop, step by step'));
  if (!run) {
    root.append(el('p', { class: 'lab-note' }, 'This run has no asyncio model, so there is no event loop to replay. Tick asyncio and run again.'));
    return;
  }
  const events = eventsOf(run);
  const tasks = [...new Set(events.map((e) => e.task))].sort((a, b) => a - b);
  if (!events.length) {
    root.append(el('p', { class: 'lab-note' }, 'The asyncio run recorded no steps to replay.'));
    return;
  }
  const model = { events, tasks };
  const endUs = Math.max(run.wall_ms * 1000, events[events.length - 1].t);

  // Controls: all buttons, so that they work from the keyboard.
  const back = el('button', { type: 'button', 'data-view-action': 'back' }, el('span', { 'aria-hidden': 'true' }, '◀ '), 'Step back');
  const play = el('button', { type: 'button', 'data-view-action': 'play' });
  const forward = el('button', { type: 'button', 'data-view-action': 'forward' }, 'Step forward', el('span', { 'aria-hidden': 'true' }, ' ▶'));
  const speedButtons = SPEEDS.map((s) => el('button', { type: 'button', 'data-speed': String(s), 'aria-pressed': String(s === 1) }, `${s}×`));
  const controls = el('div', { class: 'lab-el-controls' },
    el('div', { class: 'lab-el-transport', role: 'group', 'aria-label': 'Replay' }, back, play, forward),
    el('div', { class: 'lab-el-speeds', role: 'group', 'aria-label': 'Speed' }, el('span', { class: 'lab-el-speed-label', 'aria-hidden': 'true' }, 'Speed:'), ...speedButtons));
  const counter = el('p', { class: 'lab-el-counter' });
  const clock = el('span', { class: 'lab-el-clock' });
  const stepText = el('span', { class: 'lab-el-steptext' });
  counter.append(stepText, ' · ', clock);
  const current = el('p', { class: 'lab-el-now' });
  const live = el('p', { class: 'lab-sr-only', 'aria-live': 'polite' });
  const svg = svgEl('svg', { class: 'lab-chart lab-w720 lab-el-diagram', role: 'img', 'aria-label': `Sequence diagram of the measured asyncio run: ${tasks.length} tasks on one event loop, ${events.length} steps. The table "Every step as text" lists them.` });
  const note = el('p', { class: 'lab-note lab-el-note' });
  const reduced = prefersReducedMotion();
  note.textContent = `${reduced ? 'Your system asks for reduced motion, so the replay waits for you: press Play or Step forward. ' : ''}`
    + `The replay keeps the run's real timing at 1×; steps closer together than ${MIN_DWELL_MS} ms (at 1×) are held that long so that you can read them.`;
  const table = stepsTable(events);
  // The diagram keeps its text legible on a phone by scrolling in its own box.
  root.append(controls, counter, current, live, el('div', { class: 'lab-el-scroll' }, svg), note, table);

  const s = { step: 0, clockUs: 0, playing: false, speed: 1, raf: 0, last: 0, lastStepAt: 0, lastAnnounce: -Infinity };

  function show(announce) {
    root.dataset.step = String(s.step);
    root.dataset.playing = String(s.playing);
    root.dataset.speed = String(s.speed);
    stepText.textContent = `Step ${s.step} of ${events.length}`;
    showClock();
    const e = events[s.step - 1];
    current.textContent = e ? describe(e).text : 'Before the run: no task has started yet.';
    drawDiagram(svg, model, s.step);
    back.disabled = s.step === 0;
    forward.disabled = s.step >= events.length;
    const atEnd = s.step >= events.length;
    play.replaceChildren(el('span', { 'aria-hidden': 'true' }, s.playing ? '❚❚ ' : '▶ '), s.playing ? 'Pause' : (atEnd ? 'Replay' : 'Play'));
    if (announce) {
      const now = performance.now();
      if (!s.playing || now - s.lastAnnounce >= ANNOUNCE_EVERY_MS || atEnd) {
        s.lastAnnounce = now;
        live.textContent = `Step ${s.step} of ${events.length}, at ${formatMs(s.clockUs / 1000)}: ${current.textContent}`;
      }
    }
  }
  function showClock() {
    clock.textContent = `t = ${formatMs(s.clockUs / 1000)} of ${formatMs(endUs / 1000)}`;
  }
  function setStep(step) {
    s.step = Math.max(0, Math.min(events.length, step));
    s.clockUs = s.step ? events[s.step - 1].t : 0;
    show(true);
  }
  function pause() {
    s.playing = false;
    cancelAnimationFrame(s.raf);
    s.raf = 0;
    show(false);
  }
  function frame(now) {
    // A hidden tab gets no frames: do not jump ahead by the time it was away.
    const dt = Math.min(100, now - s.last);
    s.last = now;
    const next = events[s.step];
    if (!next) { pause(); return; }
    s.clockUs = Math.min(next.t, s.clockUs + dt * s.speed * 1000);
    if (s.clockUs >= next.t && now - s.lastStepAt >= MIN_DWELL_MS / s.speed) {
      s.step += 1;
      s.lastStepAt = now;
      show(true);
      if (s.step >= events.length) { pause(); return; }
    } else showClock();
    s.raf = requestAnimationFrame(frame);
  }
  function start() {
    if (s.step >= events.length) setStep(0);
    s.playing = true;
    s.last = performance.now();
    s.lastStepAt = s.last;
    show(false);
    cancelAnimationFrame(s.raf);
    s.raf = requestAnimationFrame(frame);
  }
  play.addEventListener('click', () => (s.playing ? pause() : start()));
  back.addEventListener('click', () => { pause(); setStep(s.step - 1); });
  forward.addEventListener('click', () => { pause(); setStep(s.step + 1); });
  for (const b of speedButtons) {
    b.addEventListener('click', () => {
      s.speed = Number(b.dataset.speed);
      for (const o of speedButtons) o.setAttribute('aria-pressed', String(o === b));
      root.dataset.speed = String(s.speed);
    });
  }
  // A new run of the widget: stop replaying, so that drawing takes no time from the run.
  const widget = box.closest('.lab-widget');
  const watcher = new MutationObserver(() => { if (widget.dataset.state === 'running' && s.playing) pause(); });
  if (widget) watcher.observe(widget, { attributes: true, attributeFilter: ['data-state'] });
  controllers.set(box, {
    stop: () => { s.playing = false; cancelAnimationFrame(s.raf); s.raf = 0; watcher.disconnect(); },
  });
  show(false);
  if (!reduced) start();
}

/** The whole replay as a table: the diagram's text alternative. */
function stepsTable(events) {
  const names = { task: (e) => `task ${e.task}`, loop: () => 'event loop', io: () => 'I/O (timer)' };
  const body = el('tbody');
  events.forEach((e, i) => {
    const d = describe(e);
    body.append(el('tr', {},
      el('td', {}, String(i + 1)),
      el('td', {}, formatMs(e.t / 1000)),
      el('td', {}, names[d.from](e)),
      el('td', {}, names[d.to](e)),
      el('td', {}, d.text)));
  });
  return el('details', { class: 'lab-el-steps' },
    el('summary', {}, 'Every step as text'),
    el('table', { class: 'lab-table' },
      el('caption', {}, 'The measured asyncio run, message by message (times since the run began)'),
      el('thead', {}, el('tr', {}, ...['Step', 'Time', 'From', 'To', 'What happens'].map((h) => el('th', { scope: 'col' }, h)))),
      body));
}
