import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32c, maskedCrc32c } from '../../../src/engine/output/structured/crc32c';
import { protoFields } from '../../../src/engine/output/structured/proto';
import { fixture, firstNonFinite, readAll } from './read-all';

const TB = 'events.out.tfevents.1732550000.trainhost.4242.0';

test('crc32c matches the published check value', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  assert.equal(maskedCrc32c(Buffer.alloc(0)), 0xa282ead8);
});

test('protobuf reader decodes varints, fixed and length-delimited fields', () => {
  // field 1 varint 300, field 2 fixed64, field 3 bytes "hi", field 4 fixed32
  const buf = Buffer.from([0x08, 0xac, 0x02, 0x11, 1, 0, 0, 0, 0, 0, 0, 0, 0x1a, 2, 0x68, 0x69, 0x25, 0, 0, 0x80, 0x3f]);
  const fields = [...protoFields(buf)];
  assert.deepEqual(fields.map((f) => [f.field, f.wire]), [[1, 0], [2, 1], [3, 2], [4, 5]]);
  assert.equal(fields[0].varint, 300);
  assert.equal(Buffer.from(fields[2].bytes!).toString(), 'hi');
  assert.equal(Buffer.from(fields[3].bytes!).readFloatLE(), 1);
  assert.throws(() => [...protoFields(Buffer.from([0x1a, 5, 1]))], /past the end/);
});

test('simple_value events (SummaryWriter style): first NaN at record 11, step 40', async () => {
  const { format, events } = await readAll(fixture('tensorboard', 'tf1-nan', TB));
  assert.equal(format, 'tensorboard');
  assert.deepEqual(firstNonFinite(events), { line: 11, step: 40, metric: 'train/loss', value: 'nan', kind: 'step' });
  const evaluation = events.find((e) => e.kind === 'evaluation');
  assert.deepEqual(evaluation && [evaluation.line, evaluation.step, evaluation.metrics], [10, 30, { 'eval/loss': 2.4000000953674316 }]);
  assert.equal(events[0].metrics?.['train/loss'], 2.5);
});

test('TF2 tensor scalars (float_val, double tensor_content); histograms are not scalars', async () => {
  const { events } = await readAll(fixture('tensorboard', 'tf2-inf', 'events.out.tfevents.1732550001.trainhost.77.v2'));
  assert.deepEqual(firstNonFinite(events), { line: 14, step: 7, metric: 'loss', value: 'inf', kind: 'step' });
  assert.equal(events.find((e) => e.step === 3 && e.metrics?.epoch_accuracy !== undefined)?.metrics?.epoch_accuracy, 0.3);
  assert.ok(events.every((e) => !('weights/histogram' in (e.metrics ?? {})) && e.nonFinite?.metric !== 'weights/histogram'));
});

test('a finite TensorBoard run has no non-finite event', async () => {
  const { events } = await readAll(fixture('tensorboard', 'finite', 'events.out.tfevents.1732550002.trainhost.5.0'));
  assert.equal(events.length, 20);
  assert.equal(firstNonFinite(events), null);
  assert.equal(events[19].metrics?.grad_norm, 0.5);
});

test('a live file cut inside its last record reads up to that record without error', async () => {
  const { events } = await readAll(fixture('tensorboard', 'live', TB));
  assert.equal(events.at(-1)?.line, 13); // 14 records written, the 14th cut
  assert.equal(firstNonFinite(events)?.line, 11);
});

test('events encoded by the protobuf library from a real PyTorch run: loss inf at step 4', async () => {
  const { events } = await readAll(fixture('torch-diverged', 'runs', TB));
  assert.deepEqual(firstNonFinite(events), { line: 8, step: 4, metric: 'Loss/train', value: 'inf', kind: 'step' });
  assert.equal(events.find((e) => e.metrics?.['Loss/train'] !== undefined)?.metrics?.['Loss/train'], 408.559326171875);
  const finite = await readAll(fixture('torch-finite', 'runs', TB));
  assert.equal(firstNonFinite(finite.events), null);
  assert.ok(finite.events.some((e) => e.kind === 'evaluation' && e.step === 30));
});

test('a corrupt record in the middle is a clear error naming the record', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nd-tb-'));
  const bytes = readFileSync(fixture('tensorboard', 'tf1-nan', TB));
  bytes[80] ^= 0xff; // inside the second record's data
  const path = join(dir, TB);
  writeFileSync(path, bytes);
  await assert.rejects(readAll(path), /record 2 at byte \d+: data checksum mismatch/);
  copyFileSync(fixture('tensorboard', 'finite', 'events.out.tfevents.1732550002.trainhost.5.0'), path);
  assert.equal((await readAll(path)).events.length, 20);
});
