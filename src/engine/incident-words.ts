// How an incident's place and values read in a message, the same in the CLI, the rules and the editor.
import type { Incident } from './types';

const round = (n: number): string => (Number.isInteger(n) ? String(n) : String(Number(n.toFixed(2))));

/** `at step 2`, `at step 300 (epoch 1)`, `at epoch 0.4`, or '' when the log shows no counter. */
export function whereInRun(incident: Pick<Incident, 'step' | 'epoch'>): string {
  const epoch = incident.epoch ?? null;
  if (incident.step === null) return epoch === null ? '' : `at epoch ${round(epoch)}`;
  return epoch === null || epoch === incident.step ? `at step ${incident.step}` : `at step ${incident.step} (epoch ${round(epoch)})`;
}

/** `; also non-finite: loss_cls, loss_bbox` and whether the loss was still finite when another metric went first. */
export function otherValues(incident: Pick<Incident, 'metric' | 'nonFinite' | 'lossStillFinite'>): string {
  const others = (incident.nonFinite ?? []).filter((n) => n !== incident.metric);
  const parts: string[] = [];
  if (others.length) parts.push(`also non-finite: ${others.slice(0, 6).join(', ')}${others.length > 6 ? ` and ${others.length - 6} more` : ''}`);
  if (incident.lossStillFinite) parts.push('the loss was still finite');
  return parts.length ? `; ${parts.join('; ')}` : '';
}
