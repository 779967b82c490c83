// The Python locator's numeric-hazard facts: each hazard kind found where loss code has it, and the
// same construct with a guard (or outside loss code, or in an unrelated division) reported as such or not at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { locate } from '../../src/engine/config/index';
import type { NumericHazard } from '../../src/engine/config/python-hazards';
import type { LocatedFile, ScriptFact } from '../../src/engine/types';
import { fixture, lineOf, slice } from './helpers';

async function hazards(name: string): Promise<{ text: string; file: LocatedFile; all: (ScriptFact & { h: NumericHazard })[] }> {
  const text = fixture(`hazards/${name}`);
  const file = await locate(name, text);
  assert.equal(file.error, undefined);
  const all = file.facts.filter((f) => f.kind === 'numeric-hazard').map((f) => ({ ...f, h: f.detail as unknown as NumericHazard }));
  return { text, file, all };
}

/** The facts on the line holding `needle` (0-based line found in the fixture itself). */
function on(found: Awaited<ReturnType<typeof hazards>>, needle: string, hazard?: string) {
  const line = lineOf(found.text, needle);
  return found.all.filter((f) => f.range.start.line === line && (!hazard || f.h.hazard === hazard));
}

function one(found: Awaited<ReturnType<typeof hazards>>, needle: string, hazard: string) {
  const list = on(found, needle, hazard);
  assert.equal(list.length, 1, `one ${hazard} on the line with ${needle}: ${JSON.stringify(found.all.map((f) => `${f.range.start.line + 1} ${f.h.hazard}/${f.h.role}`))}`);
  return list[0];
}

test('hazards: log of a softmax, a sigmoid, a probability or a sum, in torch, numpy and Keras', async () => {
  const found = await hazards('log_losses.py');
  const soft = one(found, 'torch.log(probs)).sum', 'log');
  assert.equal(soft.h.operand?.kind, 'softmax');
  assert.equal(soft.h.guard, null);
  assert.equal(soft.h.lossCode, true);
  assert.equal(soft.h.function, 'soft_target_loss');
  assert.equal(soft.h.terms[0], 'loss_soft');
  assert.equal(slice(found.text, soft.range), 'torch.log(probs)');
  assert.equal(soft.h.fixes[0].edits[0].newText, 'probs.clamp(min={eps})');
  assert.equal(soft.h.epsUse, 'log');

  // the same log behind a clamp is reported with its guard; behind `+ 1e-7` it is no hazard at all
  const clamped = one(found, 'torch.log(probs.clamp(min=1e-7))', 'log');
  assert.equal(clamped.h.guard?.kind, 'clamp');
  assert.deepEqual(on(found, 'torch.log(probs + 1e-7)'), []);

  // log of an inline softmax / sigmoid: the stable function is the fix
  assert.equal(one(found, 'torch.log(F.softmax(logits, dim=1))', 'log').h.fixes[0].edits[0].newText, 'F.log_softmax(logits, dim=1)');
  assert.equal(one(found, 'torch.log(torch.sigmoid(-logits))', 'log').h.fixes[0].edits[0].newText, 'F.logsigmoid(-logits)');
  assert.equal(one(found, 'p.log()', 'log').h.operand?.kind, 'sigmoid');
  assert.equal(one(found, 'np.log(y_pred)', 'log').h.fixes[0].edits[0].newText, 'np.clip(y_pred, {eps}, None)');
  assert.equal(one(found, 'K.log(y_pred)', 'log').h.fixes[0].edits[0].newText, 'K.maximum(y_pred, {eps})');
  assert.equal(one(found, 'torch.log(agg)', 'log').h.operand?.kind, 'sum');
  // a log-sum-exp written by hand
  assert.equal(one(found, 'lse = torch.log(torch.sum(torch.exp(x), dim=1))', 'log').h.fixes[0].edits[0].newText, 'torch.logsumexp(x, dim=1)');

  // math.log of a constant, logsumexp, and Lightning's self.log are not logs of a tensor that can be 0
  assert.deepEqual(on(found, 'math.log(2.0)'), []);
  assert.deepEqual(on(found, "self.log('train_loss', loss)"), []);
  assert.deepEqual(on(found, 'torch.logsumexp'), []);
});

test('hazards: division by a sum, a count of a mask, an area or a box height; guards and unrelated divisions', async () => {
  const found = await hazards('div_losses.py');
  // `if score_total > 0:` only excludes exactly 0: the division, its divisor's definition and the guard
  const cls = one(found, 'loss_cls = loss_cls / score_total', 'div');
  assert.equal(cls.h.role, 'site');
  assert.equal(slice(found.text, cls.range), '/ score_total');
  assert.equal(cls.h.guard?.kind, 'nonzero-only');
  assert.equal(cls.h.operand?.kind, 'sum');
  assert.equal(cls.h.fixes[0].edits[0].newText, 'score_total.clamp(min=1)', 'a sum of target scores normalizing a loss sum is kept at 1 at least');
  assert.equal(one(found, 'score_total = target_scores.sum()', 'div').h.role, 'divisor');
  const guard = one(found, 'if score_total > 0:', 'div');
  assert.equal(guard.h.role, 'guard');
  assert.equal(guard.h.site?.line, lineOf(found.text, 'loss_cls = loss_cls / score_total'));

  // a threshold (`> 1`) and a clamp guard it
  assert.equal(one(found, 'loss_obj = loss_obj / score_total', 'div').h.guard?.kind, 'threshold');
  assert.equal(one(found, 'score_total.clamp(min=1)', 'div').h.guard?.kind, 'clamp');
  assert.equal(one(found, 'score_total + self.eps', 'div').h.guard?.kind, 'eps');

  // a masked sum over the mask's own count is an empty mean
  const fg = one(found, '/ fg_mask.sum()', 'empty-mean');
  assert.equal(fg.h.operand?.kind, 'count');
  // the tokens a label mask keeps: a count, kept at 1 at least
  assert.equal(one(found, 'loss_tok = (per_token * valid).sum() / valid.sum()', 'empty-mean').h.fixes[0].edits[0].newText, 'valid.sum().clamp(min=1)');

  // the IoU's union and the aspect term's box heights
  assert.equal(one(found, 'overlap = inter / union', 'div').h.operand?.kind, 'area');
  const heights = on(found, 'torch.atan(w2 / h2)', 'div');
  assert.deepEqual(heights.map((h) => slice(found.text, h.range)).sort(), ['/ h1', '/ h2']);
  assert.ok(heights.every((h) => h.h.operand?.kind === 'extent'));
  assert.ok(one(found, 'overlap = inter / union', 'div').h.terms.includes('loss_overlap'), 'a helper feeds the loss its caller computes');

  // / batch_size, / 255.0, / 2, / shape, / len(), / self.num_classes: not hazards
  for (const needle of ['/ batch_size', '/ 255.0 / 2', '/ per_cell.shape[0]', '/ self.num_classes']) assert.deepEqual(on(found, needle), [], needle);

  // evaluation code is not loss code
  assert.equal(one(found, 'accuracy = ', 'empty-mean').h.lossCode, false);
});

test('hazards: sqrt at 0, exp of an unshifted logit in a hand-made softmax', async () => {
  const found = await hazards('root_exp_losses.py');
  const dist = one(found, 'dist = torch.sqrt', 'sqrt');
  assert.equal(dist.h.guard, null);
  assert.equal(dist.h.fixes[0].edits[0].newText, '((anchor - positive) ** 2).sum(-1) + {eps}');
  assert.equal(one(found, 'safe = torch.sqrt', 'sqrt').h.guard?.kind, 'eps');
  assert.equal(one(found, 'rms = ', 'sqrt').h.operand?.kind, 'square');
  // sizes under a square root, and a sqrt computed without gradients, are not hazards
  assert.deepEqual(on(found, 'math.sqrt(d_k) / d_k ** 0.5'), []);
  assert.deepEqual(on(found, 'spread = torch.sqrt'), []);

  const exp = one(found, 'weights = torch.exp(logits)', 'exp');
  assert.equal(exp.h.handSoftmax, true);
  assert.equal(exp.h.fixes[0].edits[0].newText, 'logits - logits.max()');
  assert.equal(one(found, 'weights = weights / weights.sum', 'div').h.handSoftmax, true);
  // shifted by the max: neither the exp nor the division by its sum (at least 1)
  assert.deepEqual(on(found, 'shifted = torch.exp'), []);
  assert.deepEqual(on(found, 'shifted = shifted / shifted.sum'), []);
  // a softmax built in a loop over groups: shift by the whole logit tensor, not the group's own max
  assert.equal(one(found, 'probs[i] = torch.exp(group_max)', 'exp').h.fixes[0].edits[0].newText, 'group_max - logits.max()');
  // exp of a log-variance is not a logit normalized by hand
  assert.deepEqual(on(found, 'torch.exp(logvar)'), []);
});

test('hazards: a mean over a selection that can be empty, the calls that narrow its mask, and the guarded form', async () => {
  const found = await hazards('mask_losses.py');
  const tok = one(found, 'loss_tok = F.cross_entropy', 'empty-mean');
  assert.equal(tok.h.operand?.text, 'logits[target_mask]');
  assert.equal(tok.h.guard, null);
  assert.match(tok.h.fixes[0].edits[0].newText, /^\(F\.cross_entropy\(logits\[target_mask\], tokens\[target_mask\]\) if logits\[target_mask\]\.numel\(\) > 0 else logits\[target_mask\]\.sum\(\) \* 0\.0\)$/);
  // the subset that builds the mask can keep nothing: its min_keep parameter is the fix; the subset removed from it has none
  const chosen = one(found, 'chosen = keep_subset(seq_mask, 0.15)', 'empty-mean');
  assert.equal(chosen.h.role, 'mask-source');
  assert.equal(chosen.h.fixes[0].edits[0].newText, ', min_keep=1');
  assert.equal(one(found, 'swapped = keep_subset', 'empty-mean').h.fixes[0].title.startsWith('Return 0'), true);

  assert.equal(one(found, 'loss_val = self.mse(', 'empty-mean').h.operand?.text, 'logits[chosen]');
  assert.deepEqual(on(found, 'loss_raw = self.raw('), [], "reduction='none' is no mean");
  assert.deepEqual(on(found, "reduction='sum')"), [], "reduction='sum' is no mean");
  assert.equal(one(found, 'loss_guarded = logits[chosen].mean()', 'empty-mean').h.guard?.kind, 'count-check');

  // a CrossEntropyLoss subclass that selects positions and calls the mean-reducing parent
  const parent = one(found, 'return super().forward(input, target)', 'empty-mean');
  assert.equal(parent.h.lossCode, true);
  assert.equal(parent.h.mask?.text, 'keep');
  assert.equal(one(found, "reduction='mean'):", 'empty-mean').h.role, 'reduction');
});

test('hazards: epsilons that vanish in fp16 or next to 1 in float32, and an fp32 block', async () => {
  const found = await hazards('eps_losses.py');
  const tiny = one(found, 'union = area_p + area_t - inter + 1e-16', 'eps-underflow');
  assert.equal(tiny.h.eps?.value, 1e-16);
  assert.equal(tiny.h.eps?.nearOne, false);
  assert.equal(slice(found.text, tiny.range), '1e-16');
  assert.equal(tiny.h.fixes[0].edits[0].newText, '{eps}');
  assert.equal(tiny.h.epsUse, 'add');

  // the clip in binary cross-entropy, and the module constant it reads
  const lines = found.text.split('\n');
  const bce = lineOf(found.text, 'def binary_crossentropy') + 1;
  const clip = found.all.find((f) => f.range.start.line === bce && f.h.hazard === 'eps-underflow')!;
  assert.ok(clip, lines[bce]);
  assert.equal(clip.h.eps?.nearOne, true);
  assert.equal(clip.h.eps?.matters, true);
  assert.equal(clip.h.epsUse, 'near-one');
  const constant = one(found, 'EPSILON = 1e-9', 'eps-underflow');
  assert.equal(constant.h.role, 'eps');
  assert.equal(constant.h.eps?.matters, true, 'the binary clip uses it');
  const categorical = found.all.find((f) => f.range.start.line === lineOf(found.text, 'def categorical_crossentropy') + 1 && f.h.hazard === 'eps-underflow')!;
  assert.equal(categorical.h.eps?.matters, false, 'log(1 - p) is not taken in categorical cross-entropy');

  // computed with autocast off: the rule weighs its epsilon in fp32
  assert.equal(one(found, 'scale = pred.float().abs().sum() + 1e-16', 'eps-underflow').h.fp32, true);
  assert.equal(tiny.h.fp32, false);
});

test('hazards: CTC that keeps infinite losses, and unclamped target lengths', async () => {
  const found = await hazards('ctc_losses.py');
  // zero_infinity=keep_inf whose default is False: the default is what to change
  const keep = one(found, 'def __init__(self, blank=0, keep_inf=False)', 'ctc-zero-infinity');
  assert.equal(slice(found.text, keep.range), 'False');
  assert.equal(keep.h.fixes[0].edits[0].newText, 'True');
  const lengths = one(found, "label_lengths = batch['label_lengths']", 'ctc-lengths');
  assert.equal(lengths.h.guard, null);
  assert.equal(lengths.h.fixes[0].edits[0].newText, "batch['label_lengths'].clamp(min=1)");
  assert.ok(lengths.h.terms.includes('loss_ctc'));
  // with zero_infinity=True the lengths are guarded; clamped lengths are no hazard
  assert.equal(one(found, '        lengths = label_lengths', 'ctc-lengths').h.guard?.kind, 'zero-infinity');
  assert.deepEqual(on(found, 'lengths = label_lengths.clamp('), []);
  // no zero_infinity at all: the keyword is added
  assert.equal(one(found, 'return nn.CTCLoss()', 'ctc-zero-infinity').h.fixes[0].edits[0].newText, 'zero_infinity=True');
  assert.equal(one(found, 'return F.ctc_loss(', 'ctc-zero-infinity').h.fixes[0].edits[0].newText, ', zero_infinity=True');
});

test("hazards: TensorFlow's Euclidean norm of a difference is a sqrt at 0 (finetuner #34's triplet head); torch.norm's backward is safe there", async () => {
  const text = [
    'import tensorflow as tf',
    'import torch',
    '',
    'class TripletLayer:',
    '    def get_output_for_loss(self, anchor, positive, negative):',
    "        dist_pos = tf.norm(anchor - positive, ord='euclidean', axis=-1)",
    '        dist_l1 = tf.norm(anchor - negative, ord=1, axis=-1)',
    '        dist_t = torch.norm(anchor - negative, dim=-1)',
    '        return tf.nn.relu(dist_pos - dist_l1 + dist_t)',
    '',
  ].join('\n');
  const file = await locate('head_layers.py', text);
  const found = file.facts.filter((f) => f.kind === 'numeric-hazard').map((f) => ({ ...f, h: f.detail as unknown as NumericHazard }));
  assert.deepEqual(found.map((f) => [f.range.start.line + 1, f.h.hazard]), [[6, 'sqrt']]);
  assert.equal(found[0].h.fixes[0].edits[0].newText, 'tf.sqrt(tf.reduce_sum(tf.square(anchor - positive), axis=-1) + {eps})');
});
