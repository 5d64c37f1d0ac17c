// @ts-check
// A listing's output: as it streams during a run, and after it with each line marked by
// the thread or process that wrote it (from the run's trace) and standard error set apart
// from standard output; beside it, CPython's recorded output of the same listing where
// the book has one (mdbook-lab puts it in data-cpython) and the output has figures.

/** One output line of the trace, as python-worker.js hands it over. @typedef {{ who: string, stream: string, text: string }} Line */

/**
 * The trace's lines, when they are exactly what the program printed (the trace keeps at
 * most 10 000 lines of 500 bytes; interleaved partial lines of two threads are told
 * apart only on the streams): else null, and the output is shown unmarked.
 * @param {Line[]} lines @param {string} stdout @param {string} stderr
 */
function faithful(lines, stdout, stderr) {
  for (const [stream, text] of [['stdout', stdout], ['stderr', stderr]]) {
    const own = lines.filter((l) => l.stream === stream).map((l) => l.text);
    const whole = text.endsWith('\n') ? text.slice(0, -1) : text;
    if ((own.length === 0 ? '' : own.join('\n')) !== whole) return null;
  }
  return lines;
}

/** A span of text with a class. @param {string} cls @param {string} text */
function span(cls, text) {
  const s = document.createElement('span');
  s.className = cls;
  s.textContent = text;
  return s;
}

/** Lines in `out`, each marked by its writer. @param {HTMLElement} out @param {Line[]} lines */
function showMarked(out, lines) {
  out.classList.add('lab-marked');
  // Marks padded to one width, so that the program's own text lines up.
  const width = Math.max(...lines.map((l) => l.who.length));
  for (const l of lines) {
    const row = span('lab-line', '');
    // The mark stays in its column; standard error's own style is on its text.
    const text = l.stream === 'stderr' ? span('lab-stderr', l.text) : document.createTextNode(l.text);
    row.append(span('lab-who', `${l.who.padEnd(width)} │ `), text, '\n');
    out.append(row);
  }
}

/** Whether more than one thread or process wrote `lines`. @param {Line[]} lines */
const several = (lines) => new Set(lines.map((l) => l.who)).size > 1;

/** The run's output in `out`: marked lines where more than one thread or process wrote. @param {HTMLElement} out @param {{ stdout: string, stderr: string, lines?: Line[] }} r */
export function showOutput(out, r) {
  out.replaceChildren();
  const lines = faithful(r.lines ?? [], r.stdout, r.stderr);
  if (lines && several(lines)) {
    showMarked(out, lines);
  } else {
    out.classList.remove('lab-marked');
    out.append(r.stdout);
    if (r.stderr) out.append(span('lab-stderr', r.stderr));
  }
  out.hidden = r.stdout === '' && r.stderr === '';
}

/**
 * Output streamed while the program runs: its completed lines marked by writer once more
 * than one thread or process has written, else standard output so far.
 * @param {HTMLElement} out @param {string} stdout @param {Line[]} [lines]
 */
export function streamOutput(out, stdout, lines = []) {
  out.replaceChildren();
  if (several(lines)) {
    showMarked(out, lines);
  } else {
    out.classList.remove('lab-marked');
    out.textContent = stdout;
  }
  out.hidden = stdout === '' && lines.length === 0;
}

/** Each listing's source as the book has it, kept at mount: CPython ran that one. @type {WeakMap<HTMLElement, string>} */
const recorded = new WeakMap();

/** Notes the listing's source as the book has it. @param {HTMLElement} root */
export function noteRecordedSource(root) {
  if (!recorded.has(root)) recorded.set(root, root.dataset.source ?? '');
}

/**
 * CPython's recorded output beside the lab's, when the widget has a record of the source
 * that ran (not one a reader changed), that run ended with status 0 (a listing for 3.14
 * recorded by an older CPython did not run), and the output has figures (with none, both
 * print the same and one is enough); removed otherwise.
 * @param {HTMLElement} root @param {HTMLElement} out @param {string} source the program that ran
 */
export function showCpython(root, out, source) {
  root.querySelector('.lab-compare-cpython')?.remove();
  /** @type {any} */
  let rec = null;
  try {
    rec = root.dataset.cpython ? JSON.parse(root.dataset.cpython) : null;
  } catch {
    rec = null;
  }
  const wrap = /** @type {HTMLElement | null} */ (out.closest('.lab-compare'));
  const same = recorded.has(root) && recorded.get(root) === source;
  if (!same || !rec || rec.exit_code !== 0 || typeof rec.stdout !== 'string' || !/\d/.test(rec.stdout) || out.hidden) {
    if (wrap) wrap.classList.remove('lab-compare-on');
    return;
  }
  let compare = wrap;
  if (!compare) {
    // The lab's output and CPython's side by side (one above the other on a phone).
    compare = document.createElement('div');
    compare.className = 'lab-compare';
    const own = document.createElement('figure');
    own.className = 'lab-compare-lab';
    const cap = document.createElement('figcaption');
    cap.textContent = "This run: the lab's Python in your browser";
    out.before(compare);
    own.append(cap, out);
    compare.append(own);
  }
  compare.classList.add('lab-compare-on');
  const fig = document.createElement('figure');
  fig.className = 'lab-compare-cpython';
  const cap = document.createElement('figcaption');
  const cores = typeof rec.cores === 'number' ? `, ${rec.cores} core${rec.cores === 1 ? '' : 's'}` : '';
  cap.textContent = `Under CPython ${rec.python} on the book's machine (${rec.cpu}${cores}): a recording from ${rec.date}`;
  const pre = document.createElement('pre');
  pre.className = 'lab-cpython-output';
  pre.textContent = rec.stdout;
  fig.append(cap, pre);
  compare.append(fig);
}
