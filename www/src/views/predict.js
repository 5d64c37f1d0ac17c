// @ts-check
// Predict, then run: before a run that times models side by side, the reader may guess
// which model finishes first and the speedup of the fastest parallel one; after the run,
// one line sets the guess beside the measurement and the lab's own prediction, and says
// why they differ. Guesses stay in this browser's localStorage, per widget, and are never
// sent anywhere. A reader who guesses nothing gets the usual result and no extra line.

/** @typedef {{ first?: string, speedup?: number }} Guess */
/** @typedef {{ id: string, label: string, parallel: boolean, oneLock: boolean, startup: string }} ModelFacts */

const key = (/** @type {HTMLElement} */ root) => `lab-guess:${root.id}`;
// Where localStorage is switched off (or full), a guess still counts until the page closes.
/** @type {Map<string, Guess>} */
const unsaved = new Map();

/** The stored guess, or an empty one. @returns {Guess} */
function load(/** @type {HTMLElement} */ root) {
  try {
    const g = JSON.parse(localStorage.getItem(key(root)) ?? JSON.stringify(unsaved.get(key(root)) ?? {}));
    /** @type {Guess} */
    const out = {};
    if (typeof g.first === 'string') out.first = g.first;
    if (typeof g.speedup === 'number' && Number.isFinite(g.speedup) && g.speedup > 0) out.speedup = g.speedup;
    return out;
  } catch {
    return unsaved.get(key(root)) ?? {};
  }
}

/** Keeps `guess` (or forgets it when empty); says false when the browser refused. */
function save(/** @type {HTMLElement} */ root, /** @type {Guess} */ guess) {
  unsaved.set(key(root), guess);
  try {
    if (guess.first === undefined && guess.speedup === undefined) localStorage.removeItem(key(root));
    else localStorage.setItem(key(root), JSON.stringify(guess));
    return true;
  } catch {
    return false;
  }
}

/**
 * The models the next run will time, baseline first: the ticked boxes in the chapter's
 * order, or the experiment's fixed models when it has no boxes.
 * @param {HTMLElement} root @returns {ModelFacts[]}
 */
function chosenModels(root, all = false) {
  const order = String(JSON.parse(String(root.dataset.params)).models || '').split(',').filter(Boolean);
  const boxes = /** @type {HTMLInputElement[]} */ ([...root.querySelectorAll('.lab-controls input[name=model]')]);
  if (!boxes.length) return order.map((id) => ({ id, label: id, parallel: false, oneLock: false, startup: '' }));
  const rank = (/** @type {string} */ m) => (order.includes(m) ? order.indexOf(m) : order.length);
  return boxes.filter((b) => all || b.checked)
    .sort((a, b) => rank(a.value) - rank(b.value))
    .map((b) => ({
      id: b.value,
      label: (b.parentElement?.textContent || b.value).trim(),
      parallel: 'parallel' in b.dataset,
      oneLock: 'oneLock' in b.dataset,
      startup: b.dataset.startup || '',
    }));
}

/** Which models the speedup guess is about: the parallel ones, or any but the baseline. */
const speedupCandidates = (/** @type {ModelFacts[]} */ models) => {
  const rest = models.slice(1);
  const parallel = rest.filter((m) => m.parallel);
  return parallel.length ? parallel : rest;
};

const times = (/** @type {number} */ x) => `${x >= 10 ? x.toFixed(0) : x.toFixed(x >= 1 ? 2 : 3)}×`;

/**
 * Adds the optional guess form to a widget that can take one (the build marks it
 * `data-predict`). Safe to call twice.
 * @param {HTMLElement} root
 */
export function mount(root) {
  if (!('predict' in root.dataset) || root.querySelector('.lab-predict')) return;
  const id = root.id;
  const box = document.createElement('details');
  box.className = 'lab-predict';
  box.innerHTML = `<summary>Your prediction (optional)</summary>
<fieldset class="lab-predict-first"><legend>Which model finishes first?</legend><span class="lab-predict-choices"></span></fieldset>
<span class="lab-field"><label for="${id}-guess-speedup"></label><input id="${id}-guess-speedup" name="guess-speedup" type="number" min="0.1" max="100" step="any" inputmode="decimal"></span>
<span class="lab-predict-actions"><button type="button" data-action="guess-clear">Clear my guess</button></span>
<p class="lab-predict-note" role="status"></p>`;
  root.querySelector('.lab-buttons')?.before(box);
  const input = /** @type {HTMLInputElement} */ (box.querySelector('input[name=guess-speedup]'));
  const note = /** @type {HTMLElement} */ (box.querySelector('.lab-predict-note'));
  const privacy = 'Your guess stays in this browser; it is never sent anywhere.';

  /** Shows the stored guess in the form and in data attributes (read by tests). */
  const reflect = (/** @type {Guess} */ g) => {
    if (g.first) box.dataset.guessFirst = g.first; else delete box.dataset.guessFirst;
    if (g.speedup !== undefined) box.dataset.guessSpeedup = String(g.speedup); else delete box.dataset.guessSpeedup;
    // An open form says that a guess is waiting for the run.
    if (g.first || g.speedup !== undefined) box.open = true;
  };

  /** Lists the models that will run; the choices follow the ticked boxes. */
  const drawChoices = () => {
    const models = chosenModels(root);
    const guess = load(root);
    const choices = /** @type {HTMLElement} */ (box.querySelector('.lab-predict-choices'));
    choices.replaceChildren(...models.map((m) => {
      const label = document.createElement('label');
      const radio = document.createElement('input');
      radio.type = 'radio';
      radio.name = `${id}-guess-first`;
      radio.value = m.id;
      radio.checked = guess.first === m.id;
      label.append(radio, ` ${m.label}`);
      return label;
    }));
    const about = speedupCandidates(models);
    const target = about.length && about.every((m) => m.parallel) ? 'the fastest parallel model' : 'the fastest model';
    /** @type {HTMLElement} */ (box.querySelector('label[for$=-guess-speedup]')).textContent =
      `Speedup of ${target} over ${models[0]?.label ?? 'the first'} (×)`;
    // One model has nothing to be compared with.
    box.hidden = models.length < 2;
  };

  const store = (/** @type {Guess} */ g) => {
    reflect(g);
    note.textContent = save(root, g) ? privacy : 'This browser does not let the page keep your guess: it counts until you leave the page.';
  };

  box.addEventListener('change', (e) => {
    const t = /** @type {HTMLInputElement} */ (e.target);
    if (t.type === 'radio') store({ ...load(root), first: t.value });
  });
  input.addEventListener('input', () => {
    const g = load(root);
    const v = input.valueAsNumber;
    if (input.value === '') delete g.speedup;
    else if (input.checkValidity() && v > 0) g.speedup = v;
    else return; // half typed or out of range: keep the last good value
    store(g);
  });
  box.querySelector('[data-action=guess-clear]')?.addEventListener('click', () => {
    save(root, {});
    for (const r of /** @type {NodeListOf<HTMLInputElement>} */ (box.querySelectorAll('input[type=radio]'))) r.checked = false;
    input.value = '';
    reflect({});
    root.querySelector('.lab-predict-result')?.remove();
    note.textContent = 'Guess cleared.';
  });
  root.querySelector('.lab-models')?.addEventListener('change', drawChoices);
  // A shared link ticks the boxes without a change event: list the models afresh on opening.
  box.addEventListener('toggle', () => { if (box.open) drawChoices(); });
  // A new run makes the last comparison stale.
  root.querySelector('[data-action=run]')?.addEventListener('click', () => root.querySelector('.lab-predict-result')?.remove());

  drawChoices();
  const guess = load(root);
  if (guess.speedup !== undefined) input.value = String(guess.speedup);
  reflect(guess);
  note.textContent = privacy;
}

/**
 * After a run: the guess, the measurement and the lab's prediction in one line, with why
 * they differ. Nothing when the reader made no guess.
 * @param {HTMLElement} root
 * @param {{ valid: boolean, models: { model: string, wall_ms: number, speedup: number, predicted_ms?: number }[] }} result
 */
export function show(root, result) {
  root.querySelector('.lab-predict-result')?.remove();
  const box = /** @type {HTMLElement | null} */ (root.querySelector('.lab-predict'));
  const guess = load(root);
  if (!box || box.hidden || (guess.first === undefined && guess.speedup === undefined)) return;
  // What ran, baseline first (the boxes may have changed since Run was pressed).
  const facts = new Map(chosenModels(root, true).map((m) => [m.id, m]));
  const rows = result.models;
  if (rows.length < 2) return;
  const label = (/** @type {string} */ m) => facts.get(m)?.label ?? m;
  const fastest = (/** @type {(r: typeof rows[0]) => number} */ time, /** @type {typeof rows} */ among) =>
    among.reduce((a, b) => (time(b) < time(a) ? b : a));
  const havePrediction = rows.every((r) => Number.isFinite(r.predicted_ms) && Number(r.predicted_ms) > 0);
  const predictedMs = (/** @type {typeof rows[0]} */ r) => Number(r.predicted_ms);

  const measuredFirst = fastest((r) => r.wall_ms, rows).model;
  const predictedFirst = havePrediction ? fastest(predictedMs, rows).model : undefined;
  const ran = rows.map((r) => facts.get(r.model) ?? { id: r.model, label: r.model, parallel: false, oneLock: false, startup: '' });
  const candidates = new Set(speedupCandidates(ran).map((m) => m.id));
  const targetRow = fastest((r) => r.wall_ms, rows.filter((r) => candidates.has(r.model)));
  const target = targetRow.model;
  const measured = targetRow.speedup;
  const predicted = havePrediction ? predictedMs(rows[0]) / predictedMs(targetRow) : undefined;

  const parts = [];
  const mine = [];
  if (guess.first) mine.push(`${label(guess.first)} first`);
  if (guess.speedup !== undefined) mine.push(`${times(guess.speedup)} for ${label(target)}`);
  parts.push(`Your guess: ${mine.join(', ')}.`);
  parts.push(`Measured: ${label(measuredFirst)} first; ${label(target)} ${times(measured)}.`);
  if (predicted !== undefined && predictedFirst) parts.push(`The lab predicted: ${label(predictedFirst)} first; ${label(target)} ${times(predicted)}.`);
  parts.push(explain(root, guess, { measuredFirst, target: facts.get(target), measured, predicted }));

  const line = document.createElement('p');
  line.className = 'lab-predict-result';
  line.textContent = parts.join(' ');
  const d = line.dataset;
  if (guess.first) d.guessFirst = guess.first;
  if (guess.speedup !== undefined) d.guessSpeedup = String(guess.speedup);
  d.measuredFirst = measuredFirst;
  d.target = target;
  d.measuredSpeedup = String(measured);
  if (predictedFirst) d.predictedFirst = predictedFirst;
  if (predicted !== undefined) d.predictedSpeedup = String(predicted);
  if (!result.valid) line.textContent += ' (The page was hidden during the run, so the measurement is not a fair one.)';
  root.querySelector('.lab-measured')?.after(line);
}

/**
 * One sentence on the gap between the guess and the run, from what the model is and how
 * the run was set up.
 * @param {HTMLElement} root @param {Guess} guess
 * @param {{ measuredFirst: string, target: ModelFacts | undefined, measured: number, predicted: number | undefined }} run
 */
function explain(root, guess, { measuredFirst, target, measured, predicted }) {
  const s = JSON.parse(String(root.dataset.params));
  for (const f of /** @type {NodeListOf<HTMLInputElement>} */ (root.querySelectorAll('.lab-controls input[type=number]'))) s[f.name] = f.value;
  const tasks = Number(s.tasks) || 1;
  const lanes = target?.parallel ? Math.min(tasks, Number(s.threads) || 1) : 1;
  // The share of each task spent waiting: a request (the server) both computes and waits.
  const waitShare = { io: 1, mixed: Number(s.io_fraction) || 0, request: 0.5 }[String(s.workload)] ?? 0;
  const computes = waitShare < 1;
  const cores = navigator.hardwareConcurrency || 0;
  const close = (/** @type {number} */ a, /** @type {number} */ b) => Math.abs(Math.log(a / b)) < Math.log(1.25);
  const off = predicted !== undefined && !close(measured, predicted)
    ? ` This run also differs from the lab's prediction by more than a quarter: other work on this machine, and costs the model leaves out.`
    : '';
  if (guess.speedup === undefined) {
    return guess.first === measuredFirst ? `You picked the winner.${off}` : `Compare the bars to see where the winner gained its time.${off}`;
  }
  const g = guess.speedup;
  if (close(g, measured)) return `Your speedup was within a quarter of the measurement.${off}`;
  const threads = Number(s.threads) || 1;
  const many = (/** @type {number} */ k, /** @type {string} */ word) => `${k} ${word}${k === 1 ? '' : 's'}`;
  if (g > measured) {
    const released = Number(s.release_fraction) || 0;
    if (target?.oneLock && computes && released > 0 && released < 1) {
      // The bound the book gives: the share that holds the lock runs one thread at a time.
      return `Lower than you guessed: under one GIL only the ${Math.round(released * 100)}% of each task that releases the lock overlaps; the rest runs one thread at a time, so the speedup stays below ${times(1 / (1 - released))}, and below the number of cores.${off}`;
    }
    if (target?.oneLock && computes && released === 0) {
      return `Lower than you guessed: under one GIL only one thread runs Python at a time, so the computing never overlaps${waitShare > 0 ? '; only the waits do' : ''}.${off}`;
    }
    if (waitShare === 0 && !target?.parallel) return `Lower than you guessed: one thread computes one task at a time.${off}`;
    // Computing overlaps at most as far as the tighter of the threads and the cores.
    if (waitShare === 0 && cores && cores < lanes && g > cores) {
      return `Lower than you guessed: this machine reports ${many(cores, 'core')}, and no more tasks than that can compute at the same time.${off}`;
    }
    if (waitShare === 0 && g > lanes) return `Lower than you guessed: ${many(tasks, 'task')} on ${many(threads, 'thread')} can compute at most ${lanes} at a time.${off}`;
    if (g > tasks) return `Lower than you guessed: ${many(tasks, 'task')} can overlap at most ${tasks}-fold.${off}`;
    if (computes && !target?.parallel) return `Lower than you guessed: on one thread only the waits overlap; the computing still runs one task after another.${off}`;
    if (computes && cores && g > cores) return `Lower than you guessed: this machine reports ${many(cores, 'core')}, and no more tasks than that can compute at the same time.${off}`;
    if (target?.startup === 'process') return `Lower than you guessed: each process must start and receive its input before it computes.${off}`;
    return `Lower than you guessed: starting the tasks, handing work over and waiting for the slowest one all take time.${off}`;
  }
  if (!target?.parallel) {
    return waitShare > 0
      ? `Higher than you guessed: while one task waits, the event loop runs the others, so the waits overlap.${off}`
      : `Higher than you guessed: one thread cannot compute faster than one thread, so this was noise; run it again.${off}`;
  }
  if (waitShare === 1 || target.oneLock) return `Higher than you guessed: a thread that waits holds no lock and needs no core, so the waits overlap.${off}`;
  if (waitShare > 0) return `Higher than you guessed: the waits overlapped, and with no shared lock the computing ran on separate cores too.${off}`;
  return `Higher than you guessed: the tasks really ran on separate cores at the same time.${off}`;
}
