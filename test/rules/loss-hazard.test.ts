// loss-function (numeric hazards): error on the term the log shows non-finite, warning when only the
// total loss is, information without an incident or when the log shows the term finite, hint when
// guarded; epsilons weighed in the precision the run trains in; every quick fix applied and re-parsed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { locate } from '../../src/engine/config/index.ts';
import { analyze, diagnose } from '../../src/engine/diagnose.ts';
import type { LocatedFile, NanDiagnostic, RunScan } from '../../src/engine/types.ts';
import { applyEdits, byCode, expectOne, finiteRun, fixture, fixtureText, run } from './helpers.ts';

const hazards = (d: NanDiagnostic[]) => byCode(d, 'loss-function');
const lineIn = (path: string, needle: string) => fixtureText(path).split('\n').findIndex((l) => l.includes(needle)) + 1;

test('loss-function: the division computing the term the log shows non-finite is an error; the message cites the log line', async () => {
  const file = await fixture('hazards/detection_loss.py');
  const d = analyze([run({ line: 88, step: 1200, metric: 'iou_loss', nonFinite: ['iou_loss', 'loss'] })], [file]);
  const box = expectOne(d, 'loss-function', 'error', file.file, lineIn(file.file, 'loss_iou = ((1.0 - overlap) * weight).sum() / score_sum'));
  assert.match(box.message, /divides by `score_sum`, a sum that is 0 or tiny/);
  assert.match(box.message, /train\.log:88 shows iou_loss=nan at step 1200, and loss_iou is the term computed here/);
  assert.deepEqual(box.related[0], { file: 'logs/train.log', line: 88, message: 'first NaN: iou_loss at step 1200' });
  assert.deepEqual(box.fixes[0].edits.map((e) => e.newText), ['score_sum.clamp(min=1)']);
  // the classification term is not the one the log names: only a warning
  expectOne(d, 'loss-function', 'warning', file.file, lineIn(file.file, 'loss_cls /= score_sum'));
});

test('loss-function: a guard that only excludes exactly 0, and the sum it guards, are flagged where they are written', async () => {
  const file = await fixture('hazards/detection_loss.py');
  const d = analyze([run({ line: 40, step: 300, metric: 'loss' })], [file]);
  const guard = expectOne(d, 'loss-function', 'warning', file.file, lineIn(file.file, 'if score_sum > 0:'));
  assert.match(guard.message, /the guard `score_sum > 0` \(line 15\) only excludes exactly 0/);
  const sum = expectOne(d, 'loss-function', 'warning', file.file, lineIn(file.file, 'score_sum = target_scores.sum()'));
  assert.deepEqual(sum.fixes[0].edits.map((e) => e.newText), ['target_scores.sum().clamp(min=1)']);
  // evaluation code is not loss code
  assert.equal(hazards(d).filter((x) => x.range.start.line + 1 === lineIn(file.file, 'rate = scores.sum()')).length, 0);
});

test('loss-function: no incident gives information; a total-loss NaN gives warnings in loss code', async () => {
  const file = await fixture('hazards/text_loss.py');
  for (const x of hazards(analyze([finiteRun()], [file]))) assert.equal(x.severity, 'information', x.message);
  const d = analyze([run({ metric: 'loss' })], [file]);
  const exp = expectOne(d, 'loss-function', 'warning', file.file, lineIn(file.file, 'scores = torch.exp(logits)'));
  assert.match(exp.message, /softmax written by hand without subtracting the max/);
  assert.deepEqual(exp.fixes[0].edits.map((e) => e.newText), ['logits - logits.max()']);
  expectOne(d, 'loss-function', 'warning', file.file, lineIn(file.file, 'return F.cross_entropy(logits[mask], tokens[mask])'));
  const sqrt = expectOne(d, 'loss-function', 'warning', file.file, lineIn(file.file, 'torch.sqrt(((a - b) ** 2).sum(-1))'));
  assert.deepEqual(sqrt.fixes[0].edits.map((e) => e.newText), ['((a - b) ** 2).sum(-1) + 1e-12']);
});

test('loss-function: CTC keeping infinite losses and unclamped target lengths are errors when loss_ctc went inf', async () => {
  const file = await fixture('hazards/text_loss.py');
  const d = analyze([run({ line: 11, step: 2393, metric: 'loss_ctc', value: 'inf', nonFinite: ['loss_ctc', 'loss'] })], [file]);
  const zi = expectOne(d, 'loss-function', 'error', file.file, lineIn(file.file, 'def __init__(self, blank=0, zero_infinity=False)'));
  assert.match(zi.message, /zero_infinity=False keeps the inf loss/);
  assert.deepEqual(zi.fixes[0].edits.map((e) => e.newText), ['True']);
  expectOne(d, 'loss-function', 'error', file.file, lineIn(file.file, 'target_lengths = lengths'));
});

test('loss-function: the log shows the loss term by term, and a term with the same construct stays finite: cleared', async () => {
  const file = await fixture('hazards/grid_loss.py');
  const d = analyze([run({ line: 1, step: 323, metric: 'x', nonFinite: ['x', 'w', 'cls', 'total'] })], [file]);
  expectOne(d, 'loss-function', 'error', file.file, lineIn(file.file, 'loss_x = '));
  expectOne(d, 'loss-function', 'error', file.file, lineIn(file.file, 'loss_cls = '));
  const conf = expectOne(d, 'loss-function', 'information', file.file, lineIn(file.file, 'loss_conf = '));
  assert.match(conf.message, /shows x, w, cls non-finite but not loss_conf \(cleared\)/);
});

test('loss-function: a guarded construct is a hint (checked) when its term went non-finite, and nothing otherwise', async () => {
  const guarded = await locate('losses.py', 'import torch\n\ndef iou_loss(inter, union):\n    loss_iou = (1 - inter / union.clamp(min=1e-6)).mean()\n    return loss_iou\n');
  const hit = analyze([run({ metric: 'loss_iou' })], [guarded]);
  const hint = expectOne(hit, 'loss-function', 'hint', 'losses.py', 4);
  assert.match(hint.message, /guarded by `union\.clamp\(min=1e-6\)`/);
  assert.deepEqual(hint.fixes, []);
  assert.equal(hazards(analyze([run({ metric: 'loss' })], [guarded])).length, 0);
  assert.equal(hazards(analyze([finiteRun()], [guarded])).length, 0);
});

test('loss-function: an epsilon that is 0 in fp16 matters only when the run trains in fp16, and the fix picks an fp16 epsilon', async () => {
  const amp = await fixture('hazards/train_amp.py');
  const d = analyze([run({ line: 12, step: 3, metric: 'GIoU', nonFinite: ['GIoU', 'total'] })], [amp]);
  const eps = expectOne(d, 'loss-function', 'error', amp.file, lineIn(amp.file, 'union = area_a + area_b - inter + 1e-16'));
  assert.ok(eps.message.includes(`1e-16 is 0 in fp16`) && eps.message.includes(`(GradScaler at train_amp.py:${lineIn(amp.file, 'amp.GradScaler()')})`), eps.message);
  assert.deepEqual(eps.fixes[0].edits.map((e) => e.newText), ['1e-6']);
  // the division it guards is reported at the epsilon, not twice
  assert.equal(hazards(d).filter((x) => x.range.start.line + 1 === lineIn(amp.file, 'return inter / union')).length, 0);

  // the same IoU in an fp32 run: 1e-16 is a fine epsilon
  const fp32 = await locate('iou.py', fixtureText('hazards/train_amp.py').replace(/scaler = amp\.GradScaler\(\)/, 'scaler = None').replace(/with amp\.autocast\(\):/, 'if True:'));
  assert.equal(hazards(analyze([run({ metric: 'GIoU', nonFinite: ['GIoU'] })], [fp32])).filter((x) => x.severity === 'error' || x.severity === 'warning').length, 0);
});

test('loss-function: 1 - 1e-9 is 1.0 in float32: the clip before binary cross-entropy and its epsilon are flagged', async () => {
  const file = await fixture('hazards/objectives.py');
  const d = analyze([run({ line: 9, step: null, metric: 'loss', nonFinite: ['loss'] })], [file]);
  const constant = expectOne(d, 'loss-function', 'warning', file.file, lineIn(file.file, 'epsilon = 1.0e-9'));
  assert.match(constant.message, /1 - 1\.0e-9 rounds to exactly 1\.0 in float32/);
  assert.deepEqual(constant.fixes[0].edits.map((e) => e.newText), ['1e-7']);
  const clips = hazards(d).filter((x) => x.message.includes('T.clip('));
  assert.deepEqual(clips.map((x) => [x.range.start.line + 1, x.severity]).sort(), [
    [lineIn(file.file, 'def binary_crossentropy') + 1, 'warning'],
    [lineIn(file.file, 'def categorical_crossentropy') + 1, 'information'],
  ]);
});

/** Applies each warning's or error's first fix, re-locates the file, and checks it parses and the line is no longer flagged. */
async function fixesHold(path: string, runs: RunScan[]): Promise<number> {
  const file = await fixture(path);
  const text = fixtureText(path);
  let applied = 0;
  for (const d of hazards(analyze(runs, [file]))) {
    if (d.severity !== 'error' && d.severity !== 'warning') continue;
    assert.ok(d.fixes.length, `a fix for ${d.message}`);
    const fixed = applyEdits(text, d.fixes[0].edits);
    const again: LocatedFile = await locate(path, fixed);
    assert.equal(again.error, undefined, `${d.fixes[0].title} keeps ${path} valid Python:\n${fixed}`);
    // neither the flagged line nor the edited one is flagged any more (the fixtures hold one hazard per line)
    const lines = new Set([d.range.start.line, d.fixes[0].edits[0].range.start.line]);
    const still = hazards(analyze(runs, [again])).filter((x) => (x.severity === 'error' || x.severity === 'warning') && lines.has(x.range.start.line));
    assert.deepEqual(still.map((x) => x.message), [], `after "${d.fixes[0].title}"`);
    applied++;
  }
  return applied;
}

test('loss-function: every quick fix applied keeps the file valid and clears what it fixes', async () => {
  const total = run({ metric: 'loss' });
  assert.ok((await fixesHold('hazards/detection_loss.py', [total])) >= 3);
  assert.ok((await fixesHold('hazards/grid_loss.py', [total])) >= 4);
  assert.ok((await fixesHold('hazards/text_loss.py', [total])) >= 5);
  assert.ok((await fixesHold('hazards/objectives.py', [total])) >= 2);
  assert.ok((await fixesHold('hazards/train_amp.py', [run({ metric: 'GIoU', nonFinite: ['GIoU'] })])) >= 1);
});

test('loss-function: fix epsilons follow the precision the code shows (fp16 autocast: 1e-4 under a log, never 1e-16)', async () => {
  const script = [
    'import torch',
    'import torch.nn.functional as F',
    '',
    'def nll(logits, y):',
    '    p = F.softmax(logits, -1)',
    '    loss_nll = -torch.log(p.gather(1, y)).mean()',
    '    return loss_nll',
    '',
    'def train(model, batch):',
    '    with torch.autocast("cuda", dtype=torch.float16):',
    '        loss = nll(model(batch.x), batch.y)',
    '    loss.backward()',
    '',
  ].join('\n');
  const half = expectOne(analyze([run({ metric: 'loss_nll' })], [await locate('train.py', script)]), 'loss-function', 'error', 'train.py', 6);
  assert.deepEqual(half.fixes[0].edits.map((e) => e.newText), ['p.gather(1, y).clamp(min=1e-4)']);
  const full = expectOne(analyze([run({ metric: 'loss_nll' })], [await locate('train.py', script.replace(/with torch\.autocast\([^)]*\):/, 'if True:'))]), 'loss-function', 'error', 'train.py', 6);
  assert.deepEqual(full.fixes[0].edits.map((e) => e.newText), ['p.gather(1, y).clamp(min=1e-7)']);
});

test('loss-function through diagnose: the training script imports its loss module, the log names the term, the division there is the error', async () => {
  const root = mkdtempSync(join(tmpdir(), 'nan-doctor-hazard-'));
  const files: Record<string, string> = {
    'tools/train.py': 'import torch\nfrom detector.loss import DetectionLoss\n\ncriterion = DetectionLoss()\nfor step, batch in enumerate(loader):\n    loss, parts = criterion(*batch)\n    loss.backward()\n    optimizer.step()\n    print(f"step {step} loss {loss.item():.4f} cls_loss {parts[\'loss_cls\']:.4f} iou_loss {parts[\'loss_iou\']:.4f}")\n',
    'detector/__init__.py': '',
    'detector/loss.py': fixtureText('hazards/detection_loss.py'),
    'train.log': 'step 0 loss 2.3100 cls_loss 1.2000 iou_loss 1.1100\nstep 1 loss nan cls_loss 1.1000 iou_loss nan\n',
  };
  try {
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, rel)), { recursive: true });
      writeFileSync(join(root, rel), text);
    }
    const result = await diagnose({ root, logs: ['train.log'] });
    const error = result.diagnostics.filter((d) => d.code === 'loss-function' && d.severity === 'error');
    assert.deepEqual(
      error.map((d) => `${d.file}:${d.range.start.line + 1}`),
      [`detector/loss.py:${lineIn('hazards/detection_loss.py', 'loss_iou = ((1.0 - overlap) * weight).sum() / score_sum')}`],
    );
    assert.match(error[0].message, /train\.log:2 shows/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('torch.where that only picks by a label (focal loss p_t) is no guard for the log that follows; one that tests the value is', async () => {
  const { locate } = await import('../../src/engine/config/index.ts');
  const code = (cond: string) => `import torch\nimport torch.nn as nn\n\nclass FocalLoss(nn.Module):\n    def forward(self, x, target):\n        p_t = torch.where(${cond}, x, 1 - x)\n        fl = - (1 - p_t) ** 2 * torch.log(p_t)\n        return fl.mean()\n`;
  const hazard = (f: Awaited<ReturnType<typeof locate>>) => f.facts.find((x) => x.kind === 'numeric-hazard' && (x.detail as { hazard?: string }).hazard === 'log');
  const picked = hazard(await locate('focal_loss.py', code('target == 1')));
  assert.equal((picked?.detail as { guard?: unknown }).guard ?? null, null);
  const guarded = hazard(await locate('focal_loss.py', code('x > 0')));
  assert.equal((guarded?.detail as { guard?: { kind: string } }).guard?.kind, 'where');
});

test('loss-function: outside the loss code, a division by the largest of ReLU outputs (0/0 on an all-zero feature vector) is a warning; dividing by any other max is not', async () => {
  const path = 'hazards/keypoint_scores.py';
  const file = await fixture(path);
  const d = analyze([run({ line: 59, step: 1000, metric: 'avg_loss', epoch: 7 })], [file]);
  const peak = expectOne(d, 'loss-function', 'warning', path, lineIn(path, 'per_channel = features / strongest.unsqueeze(1)'));
  assert.match(peak.message, /divides by `strongest\.unsqueeze\(1\)`, the largest of ReLU outputs, 0 wherever all of them are/);
  assert.match(peak.message, /KeypointScores\.forward is in the forward pass the run executes/);
  assert.equal(applyEdits(fixtureText(path), peak.fixes[0].edits).split('\n')[lineIn(path, 'per_channel =') - 1], '        per_channel = features / strongest.unsqueeze(1).clamp(min=1e-6)');
  // `logits.abs().max()` is no ReLU's, and the sum below it is guarded: only the one warning
  assert.deepEqual(hazards(d).filter((x) => x.severity === 'warning' || x.severity === 'error').map((x) => x.range.start.line + 1), [lineIn(path, 'per_channel =')]);
  // with an epsilon it is guarded
  const guarded = await locate(path, fixtureText(path).replace('strongest.unsqueeze(1)', '(strongest.unsqueeze(1) + 1e-8)'));
  assert.deepEqual(hazards(analyze([run({ line: 59, step: 1000, metric: 'avg_loss' })], [guarded])).filter((x) => x.severity === 'warning'), []);
});

test('loss-function: a margin-softmax head is loss code, and sqrt(1 - cos²) is a sqrt at 0 (below 0 by rounding); clamped, it is not flagged', async () => {
  const head = [
    'import math',
    'import torch',
    'import torch.nn.functional as F',
    '',
    '',
    'class AngularMarginHead(torch.nn.Module):',
    '    def forward(self, x, label):',
    '        cos = F.linear(F.normalize(x), F.normalize(self.weight))',
    '        sin = torch.sqrt(1.0 - torch.pow(cos, 2))',
    '        phi = cos * math.cos(0.5) - sin * math.sin(0.5)',
    '        return self.s * torch.where(label.bool(), phi, cos)',
    '',
  ].join('\n');
  const file = await locate('models/heads.py', head);
  const d = analyze([run({ line: 65, step: 6300, metric: 'loss' })], [file]);
  const s = expectOne(d, 'loss-function', 'warning', 'models/heads.py', 9);
  assert.match(s.message, /sqrt of `1\.0 - torch\.pow\(cos, 2\)`, a difference that can be 0/);
  assert.match(s.message, /AngularMarginHead\.forward is loss code/);
  const clamped = await locate('models/heads.py', head.replace('torch.sqrt(1.0 - torch.pow(cos, 2))', 'torch.sqrt((1.0 - torch.pow(cos, 2)).clamp(1e-6, 1))'));
  assert.deepEqual(hazards(analyze([run({ line: 65, step: 6300, metric: 'loss' })], [clamped])).filter((x) => x.severity === 'warning'), []);
});

test('loss-function: softplus written by hand, log(1 + exp(x)), overflows wherever it runs, an activation too; the fix is the library softplus', async () => {
  const src = 'import tensorflow as tf\n\ndef mish(x):\n    return x * tf.tanh(tf.math.log(1 + tf.exp(x)))\n\ndef smooth(x):\n    return tf.math.softplus(x)\n';
  const file = await locate('core/activations.py', src);
  const d = analyze([run({ line: 2, step: 50, metric: 'giou_loss' })], [file]);
  const h = expectOne(d, 'loss-function', 'warning', 'core/activations.py', 4);
  assert.match(h.message, /log\(1 \+ exp\(`x`\)\), softplus written by hand: exp overflows to inf above ~88/);
  assert.equal(applyEdits(src, h.fixes[0].edits).split('\n')[3], '    return x * tf.tanh(tf.math.softplus(x))');
  assert.equal(hazards(d).length, 1);
});
