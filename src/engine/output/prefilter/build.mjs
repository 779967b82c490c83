// Assembles prefilter.wat (needs wat2wasm from wabt: `apt-get install wabt`) into wasm.ts, the bytes the scan loads.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(mkdtempSync(join(tmpdir(), 'prefilter-')), 'prefilter.wasm');
execFileSync('wat2wasm', [join(here, 'prefilter.wat'), '-o', out], { stdio: 'inherit' });
const base64 = readFileSync(out).toString('base64');
writeFileSync(
  join(here, 'wasm.ts'),
  `// Generated from prefilter.wat by build.mjs; do not edit.\nexport const prefilterWasm = '${base64}';\n`,
);
