// Which changes a model can express: a counterfactual it cannot is "not testable", never "still non-finite".
import { resolveSettings, validatesAfter, type ProbeSpec } from '../spec';
import { STANDIN_PREFIX } from '../models/standin-names';

// What a stand-in represents: the optimizer and the precision (with loss scaling), nothing about the user's model:
// whether a learning rate, a warmup or a clipping norm is right depends on that model's gradients, which it does not have.
const STANDIN_SETTINGS = new Set([
  'optimizer', 'adam_epsilon', 'adam_beta1', 'adam_beta2', 'weight_decay', 'adam_weight_decay', 'momentum', 'dampening', 'nesterov',
  'weight_dtype', 'mixed_precision', 'loss_scale', 'seed',
]);

/** Why the replay of `spec`'s model cannot show what `change` does, or undefined when it can. */
export function untestableReason(spec: ProbeSpec, change: Record<string, unknown>): string | undefined {
  const keys = Object.keys(change);
  if (spec.model.startsWith(STANDIN_PREFIX)) {
    const outside = keys.filter((k) => !STANDIN_SETTINGS.has(k));
    if (outside.length) return `${outside.join(', ')} is not something a stand-in model represents (it shows optimizer and precision causes only; the right ${outside.join(', ')} depends on your model): give the probe your model (an ONNX export of its training step)`;
  }
  if (keys.includes('validation') || keys.includes('validation_dtype')) {
    const iterations = spec.iterations ?? 5;
    // The replay's validation pass only reads the weights, unless it casts the modules in place (validation_dtype).
    const touches = (h: Record<string, unknown>): boolean => {
      try {
        const s = resolveSettings(h, iterations);
        const validates = Array.from({ length: iterations }, (_, i) => validatesAfter(s.validation, i + 1)).some(Boolean);
        return validates && s.validationDtype !== null && s.validationDtype !== s.weightDtype;
      } catch {
        return true;
      }
    };
    if (!touches(spec.hyperparameters) && !touches({ ...spec.hyperparameters, ...change })) {
      return "the model's validation pass only reads its weights (nothing casts the training modules in place: no validation_dtype), so running it or not cannot change training here";
    }
  }
  return undefined;
}
