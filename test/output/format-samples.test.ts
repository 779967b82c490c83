// Every format entry carries the lines it must read (lnav-style samples). Each is read by its own entry, and
// buried in the middle of a big log it is found by the full analyzer and by the fast path alike: a format
// whose non-finite lines would slip past the prefilter's search words fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { textFormats } from '../../src/engine/output/formats/index';
import { readSegment, type TableHeaders } from '../../src/engine/output/formats/read';
import { scanFile } from '../../src/engine/output/scan';
import { incidentWords, needles } from '../../src/engine/output/search-words';
import { defaultTuning } from '../../src/engine/output/fast-scan';

const entries = textFormats.flatMap((format, index) => format.samples.map((sample) => ({ format, index, sample })));

test('every format entry carries at least one sample line', () => {
  for (const f of textFormats) assert.ok(f.samples.length > 0, f.name);
});

for (const { format, index, sample } of entries) {
  test(`${format.name} (#${index}) reads its sample: ${sample.line.slice(0, 70)}`, () => {
    const headers: TableHeaders = new Map();
    for (const c of sample.context ?? []) readSegment(c, headers);
    const reading = readSegment(sample.line, headers);
    assert.ok(reading, 'no format read the line');
    assert.equal(reading.format, format.name);
    if (sample.nonFinite !== undefined) assert.equal(reading.nonFinite?.metric ?? null, sample.nonFinite);
    else if (format.event !== 'overflow' || format.minimumScale === undefined) assert.equal(reading.nonFinite, undefined, 'a finite sample read as non-finite');
  });
}

// Lines with no value and no search word: the prefilter must skip them, so the sample is judged by the fast path.
const FILLER = 'INFO:root:waiting for the data loader to hand over the next shard of images\n';

test('every non-finite sample, in the middle of a big log, is found by the fast path and the full analyzer on its line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nd-samples-'));
  try {
    const before = FILLER.repeat(Math.ceil((defaultTuning.headBytes + 4 * defaultTuning.windowBytes) / FILLER.length));
    const after = FILLER.repeat(Math.ceil((2 * defaultTuning.tailBytes) / FILLER.length));
    for (const { format, index, sample } of entries.filter((e) => e.sample.nonFinite !== undefined)) {
      const lead = before + (sample.context ?? []).map((c) => c + '\n').join('');
      const line = lead.split('\n').length;
      const path = join(dir, `${format.name}-${index}.log`);
      writeFileSync(path, lead + sample.line + '\n' + after);
      for (const thorough of [false, true]) {
        const run = await scanFile(path, { thorough });
        assert.equal(run.incident?.line, line, `${format.name} #${index} ${thorough ? 'full analyzer' : 'fast path'}: ${sample.line}`);
        if (sample.step !== undefined) assert.equal(run.incident?.step, sample.step, `${format.name} #${index} step`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the prefilter's needles are derived: nan, inf, and a cover of the formats' search words", () => {
  assert.deepEqual(needles.slice(0, 2), ['nan', 'inf']);
  for (const w of incidentWords) assert.ok(needles.slice(2).some((n) => w.includes(n)), `${w} has no needle`);
  assert.ok(needles.length <= 8);
});
