// Assembles prefilter.wat into wasm.ts (the bytes the scan loads). Needs wat2wasm from wabt (`apt-get install wabt`).
// The needles live here: 3 bytes each, matched case-insensitively; bit order = needle order (at most 8).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// nan/inf: values; rfl: overflow; nim: minimum loss scale; gpo: FloatingPointError; nva: Invalid loss.
const needles = ['nan', 'inf', 'rfl', 'nim', 'gpo', 'nva'];

function tables(position) {
  const lo = new Array(16).fill(0);
  const hi = new Array(16).fill(0);
  needles.forEach((needle, bit) => {
    const c = needle.charCodeAt(position);
    const cases = /[a-z]/i.test(needle[position]) ? [c | 0x20, c & ~0x20] : [c];
    for (const v of cases) {
      lo[v & 0xf] |= 1 << bit;
      hi[v >> 4] |= 1 << bit;
    }
  });
  return { lo: lo.join(' '), hi: hi.join(' ') };
}

const here = dirname(fileURLToPath(import.meta.url));
let source = readFileSync(join(here, 'prefilter.wat'), 'utf8');
for (const position of [0, 1, 2]) {
  const { lo, hi } = tables(position);
  source = source.replaceAll(`{{LO${position}}}`, lo).replaceAll(`{{HI${position}}}`, hi);
}
const dir = mkdtempSync(join(tmpdir(), 'prefilter-'));
writeFileSync(join(dir, 'prefilter.wat'), source);
execFileSync('wat2wasm', [join(dir, 'prefilter.wat'), '-o', join(dir, 'prefilter.wasm')], { stdio: 'inherit' });
const base64 = readFileSync(join(dir, 'prefilter.wasm')).toString('base64');
writeFileSync(join(here, 'wasm.ts'), `// Generated from prefilter.wat by build.mjs; do not edit.\nexport const prefilterWasm = '${base64}';\n`);
