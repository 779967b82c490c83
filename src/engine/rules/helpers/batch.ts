// The batch a learning rate was set for (the recipe) and the batch the run actually used: recipes tune `lr` for
// a total batch (16 images on 8 GPUs), and users who run on fewer GPUs or smaller batches keep the lr. The
// linear scaling rule (Goyal et al. 2017) then says how far off it is.
import { baseName } from './evidence';
import type { LocatedFile, LocatedValue } from '../../types';
import type { RuleContext, Setting } from '../types';

export interface Batch {
  /** Images / samples per optimizer step, summed over devices (and accumulation). */
  total: number;
  /** In words, with where it comes from: `4 GPUs (dist_train.sh …) × 1 (samples_per_gpu)`. */
  how: string;
  /** Where it is written, for related information. */
  at: LocatedValue[];
}

const ref = (v: LocatedValue) => `${v.key} ${v.text}`;

/** The batch the run used: reported total, or per device × devices × accumulation, when the devices are known. */
export function runBatch(ctx: RuleContext): Batch | undefined {
  const total = ctx.hp.total_batch_size;
  const acc = ctx.hp.gradient_accumulation_steps;
  const accText = acc && acc.value > 1 ? ` × ${acc.value} (${ref(acc.at)})` : '';
  if (total && total.at.source !== 'yaml' && total.at.source !== 'python' && total.at.source !== 'json') {
    return { total: total.value, how: `${total.value} (${ref(total.at)}, ${baseName(total.at.file)})`, at: [total.at] };
  }
  const recipe = recipeDevices(ctx);
  if (recipe) {
    const n = (recipe.total.value / recipe.devices.value) * recipe.launched.value;
    return { total: n, how: `${recipe.launched.value} (${ref(recipe.launched.at)}, ${baseName(recipe.launched.at.file)}) × ${recipe.total.value / recipe.devices.value} (${ref(recipe.total.at)} / ${ref(recipe.devices.at)})${accText} = ${n}`, at: [recipe.launched.at, recipe.total.at] };
  }
  const per = ctx.hp.batch_size;
  const devices = ctx.hp.num_processes;
  if (per && devices) {
    const n = per.value * devices.value * (acc?.value ?? 1);
    return { total: n, how: `${devices.value} (${ref(devices.at)}) × ${per.value} (${ref(per.at)})${accText} = ${n}`, at: [devices.at, per.at] };
  }
  if (total) return { total: total.value, how: `${total.value} (${ref(total.at)})`, at: [total.at] };
  return undefined;
}

/**
 * A config that writes its total batch with its own device count (`total_batch_size = 64`, `num_gpus = 8`,
 * `batch_size = total_batch_size // num_gpus`) describes its recipe; a launch on another number of devices
 * (`dist_train.sh cfg.py 3`) keeps the per-device batch and changes the total.
 */
function recipeDevices(ctx: RuleContext): { total: Setting<number>; devices: Setting<number>; launched: Setting<number> } | undefined {
  const config = (s: Setting) => ['yaml', 'json', 'toml', 'python'].includes(s.at.source);
  const total = ctx.hp.total_batch_size;
  const launched = ctx.hp.num_processes;
  if (!total || !config(total) || !launched || config(launched)) return undefined;
  const devices = (ctx.hp.all.num_processes ?? []).find((s) => config(s) && s.at.file === total.at.file && typeof s.value === 'number' && s.value > 0) as Setting<number> | undefined;
  if (!devices || devices.value === launched.value || total.value % devices.value !== 0) return undefined;
  return { total, devices, launched };
}

// What people write next to a learning rate about the batch it is for.
const COMMENT_PATTERNS: { re: RegExp; total: (m: RegExpExecArray) => number; devicesOnly?: boolean }[] = [
  // `8 GPUs x 2`, `2 processes x -b 512`, `8 cards * 4 images`
  { re: /(\d+)\s*(?:gpus?|cards?|processes|procs?|devices?|nodes?)\s*[x×*]\s*(?:-b\s*)?(\d+)/i, total: (m) => Number(m[1]) * Number(m[2]) },
  // `2 x 8 images`, `4x4 samples per gpu`
  { re: /(\d+)\s*[x×*]\s*(\d+)\s*(?:images|imgs|samples|per gpu|\/gpu)/i, total: (m) => Number(m[1]) * Number(m[2]) },
  // `for 16 images`, `total batch size 1024`, `batch of 256`
  { re: /\bfor (?:a (?:total )?batch (?:size )?(?:of )?)?(\d+) (?:images|imgs|samples|sequences)\b/i, total: (m) => Number(m[1]) },
  { re: /\b(?:total|global|effective) batch(?: size)?\s*(?:of|=|:)?\s*(\d+)/i, total: (m) => Number(m[1]) },
];
// `lr=0.0004, #/8*gpu_number`: the lr is per 8 devices.
const PER_DEVICES = /\/\s*(\d+)\s*\*\s*(?:gpu\w*|num_gpus|n_gpus|world_size|nproc\w*)/i;
// Config names that carry the recipe's batch: mmdet 2.x `…_8x2_…`, mmdet 3.x `…_4xb4-…`, mmdet3d `…_2x8_…`.
const NAME_BATCH = /(?:^|[_-])(\d{1,2})xb?(\d{1,3})(?=[_.-])/;

function commentsNear(file: LocatedFile | undefined, line: number): { line: number; text: string }[] {
  const all = file?.comments ?? [];
  // the lr's own line and the two above it, then the file's header (its first comment block)
  return [...all.filter((c) => c.line <= line && c.line >= line - 2), ...all.filter((c) => c.line < 12)];
}

/** The total batch the learning rate at `lr` was set for, when the recipe says so. */
export function recipeBatch(ctx: RuleContext, lr: LocatedValue, run: Batch | undefined): Batch | undefined {
  const file = ctx.files.find((f) => f.file === lr.file);
  const at = (line: number): LocatedValue => ({ ...lr, range: { start: { line, character: 0 }, end: { line, character: 0 } } });
  for (const c of commentsNear(file, lr.range.start.line)) {
    for (const p of COMMENT_PATTERNS) {
      const m = p.re.exec(c.text);
      if (m) return { total: p.total(m), how: `${p.total(m)} (the comment \`# ${c.text.trim()}\`, ${baseName(lr.file)}:${c.line + 1})`, at: [at(c.line)] };
    }
    const d = PER_DEVICES.exec(c.text);
    const per = ctx.hp.batch_size;
    if (d && per) {
      const n = Number(d[1]) * per.value;
      return { total: n, how: `${d[1]} GPUs (the comment \`# ${c.text.trim()}\`) × ${per.value} (${ref(per.at)}) = ${n}`, at: [at(c.line)] };
    }
  }
  const declared = ctx.hp.reference_batch_size;
  if (declared) return { total: declared.value, how: `${declared.value} (${ref(declared.at)})`, at: [declared.at] };
  const written = recipeDevices(ctx);
  if (written) return { total: written.total.value, how: `${written.total.value} (${ref(written.total.at)} for ${ref(written.devices.at)}, ${baseName(written.total.at.file)})`, at: [written.total.at, written.devices.at] };
  // A batch the recipe's config sets, that the run overrode: the lr was tuned with the config's value.
  const recipe = recipeOverridden(ctx, run);
  if (recipe) return recipe;
  // The recipe's config name, when it carries the batch (the lr's own file first).
  const names = [lr.file, ...ctx.files.filter((f) => f.language !== 'shell' && f.values.some((v) => v.source !== 'log')).map((f) => f.file)];
  for (const name of names) {
    const m = NAME_BATCH.exec(baseName(name));
    if (!m) continue;
    const n = Number(m[1]) * Number(m[2]);
    return { total: n, how: `${n} (${m[1]}x${m[2]} in the config's name ${baseName(name)})`, at: [at(0)] };
  }
  return undefined;
}

/** `IMS_PER_BATCH: 16` in the config, `SOLVER.IMS_PER_BATCH 2` on the command line: the recipe's batch was 16. */
function recipeOverridden(ctx: RuleContext, run: Batch | undefined): Batch | undefined {
  for (const name of ['total_batch_size', 'batch_size'] as const) {
    const winner = ctx.hp[name];
    if (!winner || !['command', 'log', 'shell'].includes(winner.at.source)) continue;
    const inConfig = (ctx.hp.all[name] ?? []).find((s) => ['yaml', 'json', 'toml', 'python'].includes(s.at.source) && s.value !== winner.value);
    if (!inConfig) continue;
    const perDevice = name === 'batch_size';
    const devices = perDevice ? (ctx.hp.num_processes?.value ?? 1) : 1;
    const total = (inConfig.value as number) * devices;
    const how = `${total} (${ref(inConfig.at)} in ${baseName(inConfig.at.file)}${perDevice && devices > 1 ? ` × ${devices} devices` : ''}, which the run overrode to ${winner.at.text})`;
    if (run && total <= run.total) continue;
    return { total, how, at: [inConfig.at] };
  }
  return undefined;
}

/** Widely used references when the recipe says nothing: SGD detection 0.02 per 16 images, SGD classification 0.1 per 256, AdamW vision 5e-4 per 512. */
export function familyReference(ctx: RuleContext, optimizer: string): { lr: number; batch: number; name: string; devices?: number } | undefined {
  const o = optimizer.toLowerCase();
  const keys = ctx.files.flatMap((f) => f.values.map((v) => `${v.keyPath}=${String(v.value)}`)).join(' ').toLowerCase();
  const detection = /\bsolver\.base_lr|roi_heads?|rpn|bbox|detector|detection|coco|voc|lvis/.test(keys);
  const classification = !detection && /imagenet|classification|cifar/.test(keys);
  if (/sgd|momentum/.test(o) && detection) return { lr: 0.02, batch: 16, devices: 8, name: 'Detectron and mmdetection recipes (0.02 for 16 images)' };
  if (/sgd|momentum/.test(o) && classification) return { lr: 0.1, batch: 256, name: 'the linear scaling rule (0.1 for 256 images, Goyal et al. 2017)' };
  if (/adam/.test(o) && classification) return { lr: 5e-4, batch: 512, name: 'DeiT-style vision recipes (5e-4 for 512 images)' };
  // TensorFlow-style RMSProp is EfficientNet's and MobileNet v3's optimizer: 0.016 per 256 images (timm's recipes too)
  if (!detection && (/rmsproptf/.test(o) || (/rmsprop/.test(o) && classification))) return { lr: 0.016, batch: 256, name: "EfficientNet's RMSProp recipe (0.016 for 256 images, Tan & Le 2019)" };
  return undefined;
}
