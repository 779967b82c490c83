// Assembles prefilter.wat into wasm.ts (the bytes the scan loads). Needs wat2wasm from wabt (`apt-get install wabt`).
// The needles are not here: index.ts writes their nibble tables into the module's memory at run time.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'prefilter-'));
writeFileSync(join(dir, 'prefilter.wat'), readFileSync(join(here, 'prefilter.wat'), 'utf8'));
execFileSync('wat2wasm', [join(dir, 'prefilter.wat'), '-o', join(dir, 'prefilter.wasm')], { stdio: 'inherit' });
const base64 = readFileSync(join(dir, 'prefilter.wasm')).toString('base64');
writeFileSync(join(here, 'wasm.ts'), `// Generated from prefilter.wat by build.mjs; do not edit.\nexport const prefilterWasm = '${base64}';\n`);
