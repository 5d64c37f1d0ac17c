// Checks of the built folder itself, without a browser: every link and anchor resolves
// (lychee, offline), and every page is valid HTML (html-validate), apart from a short
// list of problems in mdBook's own page template that this project does not write.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { HtmlValidate } from 'html-validate';
import { SITE } from './harness.js';

const pages = fs.readdirSync(SITE).filter((f) => f.endsWith('.html')).sort();

// scripts/lib.sh installs lychee in a virtual environment under target/ when PATH has none.
const LYCHEE = [process.env.LYCHEE, path.join(SITE, '../../target/py-tools/bin/lychee')]
  .find((p) => p && fs.existsSync(p)) ?? 'lychee';

test('every link and anchor of the built site resolves (lychee --offline --include-fragments)', () => {
  // --root-dir: 404.html's <base href="/"> makes its links root-relative.
  const r = spawnSync(LYCHEE, ['--offline', '--include-fragments', '--no-progress', '--root-dir', SITE, SITE], { encoding: 'utf8' });
  assert.ok(!r.error, `cannot run lychee (${r.error?.message}): scripts/test installs it`);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /0 Errors/);
});

// Problems of mdBook 0.5.4's template (theme/index.hbs, toc.html), not of this project's
// markup; each is matched by rule and place so that the same rule still catches ours.
const MDBOOK = [
  // The previous/next links carry rel="prefetch", which HTML allows on <link> only.
  { rule: 'attribute-misuse', message: /rel="prefetch"/, selector: /> nav > a/ },
  // The sidebar's <noscript> fallback frame has no title.
  { rule: 'element-required-attributes', message: /<iframe>.*"title"/, selector: /^#mdbook-sidebar > noscript > iframe$/ },
  // toc.html, that frame's page, is a fragment: no <title>, and its list closes </li> twice.
  { rule: 'element-required-content', message: /<head>.*<title>/, file: 'toc.html' },
  { rule: 'close-order', message: /Stray end tag '<\/li>'/, file: 'toc.html' },
];
const fromMdbook = (file, m) => MDBOOK.some((k) => k.rule === m.ruleId && k.message.test(m.message)
  && (!k.selector || k.selector.test(m.selector ?? '')) && (!k.file || k.file === file));

// "standard" is "recommended" without the rules on style (quoting, boolean attribute
// spelling), which mdBook's HTML serializer decides, not this project.
const validator = new HtmlValidate({ extends: ['html-validate:standard'] });

for (const file of pages) {
  test(`${file} is valid HTML`, async () => {
    const report = await validator.validateFile(path.join(SITE, file));
    const problems = report.results.flatMap((r) => r.messages)
      .filter((m) => !fromMdbook(file, m))
      .map((m) => `${m.line}:${m.column} [${m.ruleId}] ${m.message} (${m.selector})`);
    assert.deepEqual(problems, []);
  });
}
