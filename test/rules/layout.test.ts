// The rules' layout: one rule per file in src/engine/rules/, every one registered in index.ts, and no rule
// imports another (what two rules share lives in helpers/ or in ../hyperparameters/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rules } from '../../src/engine/rules/index.ts';

const dir = join(__dirname, '../../src/engine/rules');
const ruleFiles = readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'index.ts' && f !== 'types.ts');

test('every file beside index.ts and types.ts is a rule registered in index.ts', () => {
  const index = readFileSync(join(dir, 'index.ts'), 'utf8');
  for (const f of ruleFiles) assert.match(index, new RegExp(`from '\\./${f.replace(/\.ts$/, '')}'`), `${f} is not registered in index.ts`);
  assert.equal(rules.length, ruleFiles.length);
});

test('no rule imports another rule; helpers import no rule', () => {
  const names = new Set(ruleFiles.map((f) => f.replace(/\.ts$/, '')));
  const imports = (path: string) => [...readFileSync(path, 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]);
  for (const f of ruleFiles) {
    for (const i of imports(join(dir, f))) assert.ok(!/^\.\/[^/]+$/.test(i) || i === './types', `${f} imports ${i}`);
  }
  for (const f of readdirSync(join(dir, 'helpers'))) {
    for (const i of imports(join(dir, 'helpers', f))) {
      const m = /^\.\.\/([^/]+)$/.exec(i);
      assert.ok(!m || !names.has(m[1]), `helpers/${f} imports the rule ${m?.[1]}`);
    }
  }
});
