// Bundles editor.js and the CodeMirror packages it imports (pinned in package-lock.json)
// into one minified ES module, www/src/listing/codemirror.js, which mdbook-lab installs
// with the other widget scripts. scripts/build runs it after `npm ci` here; the output
// depends only on the lock file and editor.js, so it is generated, not committed.

import * as esbuild from 'esbuild';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = (/** @type {string} */ p) => fileURLToPath(new URL(p, import.meta.url));
const out = here('../src/listing/codemirror.js');

const result = await esbuild.build({
  entryPoints: [here('editor.js')],
  outfile: out,
  write: false,
  bundle: true,
  format: 'esm',
  minify: true,
  target: 'es2020',
  legalComments: 'none',
  banner: {
    js: '// The listings\' editor: www/editor/editor.js with CodeMirror 6 (MIT licence, '
      + 'https://codemirror.net), bundled by www/editor/build.js. Generated: do not edit.',
  },
  logLevel: 'warning',
  metafile: true,
});

// The MIT licence of every package in the bundle asks for its notice in every copy.
const packages = new Set(Object.keys(result.metafile.inputs)
  .map((f) => f.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//)?.[1])
  .filter((p) => p !== undefined));
let notices = '';
for (const name of [...packages].sort()) {
  const dir = here(`node_modules/${name}/`);
  const file = fs.readdirSync(dir).find((f) => /^licen[sc]e/i.test(f));
  if (!file) throw new Error(`${name} has no licence file to include in the bundle`);
  notices += `\n${name}:\n${fs.readFileSync(dir + file, 'utf8').trim().replace(/\*\//g, '* /')}\n`;
}

// Rewritten only when it changes, so that an unchanged bundle rebuilds nothing after it
// (mdbook-lab embeds www/src and is rebuilt when a file there changes).
const bytes = Buffer.concat([result.outputFiles[0].contents, Buffer.from(`/* Licences of the bundled packages:\n${notices}*/\n`)]);
const old = fs.existsSync(out) ? fs.readFileSync(out) : null;
if (!old || !old.equals(bytes)) fs.writeFileSync(out, bytes);
