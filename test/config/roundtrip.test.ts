// Property: whatever nested settings a YAML, JSON or TOML writer produces, every leaf is located
// under its dotted path, with its value, and its range cuts exactly its text out of the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { stringify as yamlStringify } from 'yaml';
import { stringify as tomlStringify } from 'smol-toml';
import { locate } from '../../src/engine/config/index';
import { slice } from './helpers';

type Tree = { [key: string]: Tree | number | string | boolean };

const key = fc.stringMatching(/^[a-z_][a-z0-9_]{0,11}$/);
const leaf = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e9, max: 1e9 }).filter((n) => !Object.is(n, -0)),
  fc.integer({ min: -1e6, max: 1e6 }),
  fc.boolean(),
  fc.string({ maxLength: 12 }).filter((s) => !/[\u0000-\u001f\u007f-\uffff]/.test(s)),
);
const tree: fc.Arbitrary<Tree> = fc.letrec<{ node: Tree }>((tie) => ({
  node: fc.dictionary(key, fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('node')), { minKeys: 1, maxKeys: 5 }),
})).node;

function leaves(t: Tree, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [k, v] of Object.entries(t)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'object') for (const [p, x] of leaves(v, path)) out.set(p, x);
    else out.set(path, v);
  }
  return out;
}

async function check(file: string, text: string, t: Tree): Promise<void> {
  const f = await locate(file, text);
  assert.equal(f.error, undefined, `${f.error}\n${text}`);
  const expected = leaves(t);
  assert.deepEqual(new Set(f.values.map((v) => v.keyPath)), new Set(expected.keys()), text);
  for (const v of f.values) {
    assert.equal(slice(text, v.range), v.text, `${v.keyPath} in\n${text}`);
    assert.deepEqual(v.value, expected.get(v.keyPath), `${v.keyPath} in\n${text}`);
  }
}

test('round trip: YAML written by the yaml package', async () => {
  await fc.assert(fc.asyncProperty(tree, (t) => check('c.yaml', yamlStringify(t), t)), { numRuns: 150 });
});

test('round trip: JSON written by JSON.stringify', async () => {
  await fc.assert(fc.asyncProperty(tree, (t) => check('c.json', JSON.stringify(t, null, 2), t)), { numRuns: 150 });
});

test('round trip: TOML written by smol-toml', async () => {
  // TOML integers and floats differ (1.0 is a float): compare through numbers, which is what the rules read.
  await fc.assert(fc.asyncProperty(tree, (t) => check('c.toml', tomlStringify(t), t)), { numRuns: 150 });
});
