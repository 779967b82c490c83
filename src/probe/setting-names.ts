// The hyperparameter names a probe reads, and the nearest one to a name it does not know (for `--set` typos).

/** Canonical names the replay reads (spec.ts resolveSettings, replay.ts data options). */
export const PROBE_SETTING_NAMES = [
  'learning_rate', 'adam_epsilon', 'adam_beta1', 'adam_beta2', 'weight_decay', 'adam_weight_decay', 'optimizer',
  'momentum', 'dampening', 'nesterov', 'max_grad_norm', 'weight_dtype', 'mixed_precision', 'warmup_steps',
  'lr_scheduler', 'max_train_steps', 'validation', 'validation_dtype', 'loss_scale', 'loss', 'seed',
  'batch_size', 'input_scale', 'target_scale',
] as const;

// Short names people write for these settings; edit distance alone would not find them.
const ALIASES: Record<string, string> = {
  lr: 'learning_rate', eps: 'adam_epsilon', epsilon: 'adam_epsilon', beta1: 'adam_beta1', beta2: 'adam_beta2',
  wd: 'weight_decay', clip: 'max_grad_norm', grad_clip: 'max_grad_norm', clip_grad_norm: 'max_grad_norm',
  dtype: 'weight_dtype', precision: 'mixed_precision', amp: 'mixed_precision', warmup: 'warmup_steps',
  lr_warmup_steps: 'warmup_steps', scheduler: 'lr_scheduler', optim: 'optimizer', train_batch_size: 'batch_size',
};

export function isProbeSettingName(name: string): boolean {
  return (PROBE_SETTING_NAMES as readonly string[]).includes(name);
}

/** The accepted name the user most likely meant, or undefined when none is close. */
export function closestSettingName(name: string): string | undefined {
  const key = name.trim().toLowerCase().replace(/[-.\s]/g, '_');
  if (isProbeSettingName(key)) return key;
  if (ALIASES[key]) return ALIASES[key];
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of PROBE_SETTING_NAMES) {
    const d = editDistance(key, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  // More than a third of the letters wrong is a different word, not a typo.
  return bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

/** The error for a name the probe does not read: names it, suggests the closest, and lists the accepted names. */
export function unknownSettingMessage(name: string): string {
  const near = closestSettingName(name);
  return `unknown hyperparameter '${name}'${near ? ` (did you mean ${near}?)` : ''}; accepted: ${PROBE_SETTING_NAMES.join(', ')}`;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}
