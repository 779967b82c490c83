// The NaN appears in the first training step after a validation/evaluation run: what scheduled it.
import type { NanDiagnostic, Range, ScriptFact } from '../types';
import { baseName, eventBefore, firstEvidence, logRef, relatedEvent, relatedIncident, shows, type Evidence } from './helpers/evidence';
import { fix } from './helpers/edits';
import type { Rule, RuleContext, Setting } from './types';

interface Trigger {
  fact: ScriptFact;
  hardcoded: number[];
  hardcodedRange?: Range;
  removeRange?: Range;
  everyKey?: string;
}

function triggers(ctx: RuleContext): Trigger[] {
  return ctx.facts
    .filter((f) => f.kind === 'validation-trigger')
    .map((fact) => {
      const d = fact.detail ?? {};
      return {
        fact,
        hardcoded: Array.isArray(d.hardcodedSteps) ? (d.hardcodedSteps as number[]) : [],
        hardcodedRange: d.hardcodedRange as Range | undefined,
        removeRange: d.removeRange as Range | undefined,
        everyKey: typeof d.everyKey === 'string' ? d.everyKey : undefined,
      };
    });
}

/** The validation interval setting a trigger reads (`cfg.val.validation_steps` → `val.validation_steps`). */
function intervalSetting(ctx: RuleContext, t: Trigger | undefined): Setting | undefined {
  if (t?.everyKey) {
    const key = t.everyKey.replace(/^(cfg|config|args|conf|hparams|self\.cfg)\./, '');
    for (const f of ctx.files) {
      if (f.language === 'python') continue;
      const v = f.values.find((x) => x.keyPath === key || x.keyPath.endsWith(`.${key}`) || key.endsWith(`.${x.keyPath}`));
      if (v) return { value: v.value, at: v };
    }
  }
  return ctx.hp.validation;
}

const lineOf = (f: ScriptFact) => `${baseName(f.file)}:${f.range.start.line + 1}`;

interface Ran {
  event: 'validation' | 'evaluation';
  step: number | null;
  /** The log line that shows it; undefined when only the script says it ran (the log printed nothing). */
  line?: number;
}

/** The validation run just before the incident: from the log, else from a hard-coded trigger at the step before. */
function validationBefore(e: Evidence, all: Trigger[]): Ran | undefined {
  const shown = eventBefore(e, ['validation', 'evaluation']);
  if (shown) return { event: shown.event as Ran['event'], step: shown.step, line: shown.line };
  const step = e.incident.step;
  if (step === null || e.incident.kind !== 'metric') return undefined;
  const t = all.find((x) => x.hardcoded.includes(step - 1));
  return t ? { event: 'validation', step: step - 1 } : undefined;
}

export const validationFrequency: Rule = {
  code: 'validation-frequency',
  check(ctx) {
    const e = firstEvidence(ctx.runs);
    if (!e) return [];
    const all = triggers(ctx);
    const ran = validationBefore(e, all);
    if (!ran) return [];
    const out: NanDiagnostic[] = [];
    const after = ran.step === null ? '' : ` after step ${ran.step}`;
    const ranText =
      ran.line !== undefined
        ? `${logRef(e, ran.line)} shows ${ran.event}${after} and ${shows(e)}, the next training step`
        : `${shows(e)}, the first training step after that ${ran.event} (not seen in the log)`;
    // a hard-coded step that matches the validation before the incident (or any, when the log shows no step)
    const hard = all.filter((t) => t.hardcoded.length && (ran.step === null || t.hardcoded.includes(ran.step)));
    const related: NanDiagnostic['related'] = [...(ran.line !== undefined ? [relatedEvent(e, { line: ran.line, step: ran.step, event: ran.event })] : []), relatedIncident(e)];
    const shownByLog = ran.line !== undefined;

    for (const t of hard) {
      const clause = t.hardcoded.map((s) => `step ${s}`).join(', ');
      const remove = t.removeRange ? [fix(`Remove the hard-coded ${ran.event} at ${clause}`, { file: t.fact.file, range: t.removeRange, newText: '' })] : [];
      out.push({
        file: t.fact.file,
        range: t.hardcodedRange ?? t.fact.range,
        severity: shownByLog ? 'error' : 'warning',
        code: 'validation-frequency',
        message:
          `${ran.event} is hard-coded to run at ${clause} whatever the configured interval says (\`${t.fact.text.trim()}\`); ` +
          `${ranText}: the ${ran.event} run uses the modules being trained and the NaN follows it`,
        related,
        fixes: remove,
        verified: false,
        change: { validation: 'no-step-1' },
      });
    }

    const interval = intervalSetting(ctx, hard[0] ?? all[0]);
    if (interval) {
      const n = typeof interval.value === 'number' ? interval.value : undefined;
      const scheduledHere = n !== undefined && ran.step !== null && Number.isInteger(n) && n > 0 && ran.step % n === 0;
      const at = ran.line !== undefined ? ` at ${logRef(e, ran.line)}` : '';
      const message = hard.length
        ? `${interval.at.key}: ${interval.at.text} did not schedule the ${ran.event}${at}${after}; ` +
          `the script's hard-coded trigger did (${lineOf(hard[0].fact)}), so raising ${interval.at.key} alone changes nothing. ${ranText}`
        : `${ran.event} runs every ${interval.at.text} steps (${interval.at.key}) and ${ranText}: the ${ran.event} run uses the modules being trained` +
          (scheduledHere ? '' : ` (the ${ran.event}${after} was not scheduled by this interval; check what else triggers it)`);
      out.push({
        file: interval.at.file,
        range: interval.at.range,
        severity: hard.length ? 'warning' : scheduledHere && shownByLog ? 'error' : 'warning',
        code: 'validation-frequency',
        message,
        related: hard.length ? [...related, { file: hard[0].fact.file, line: hard[0].fact.range.start.line + 1, message: 'the hard-coded trigger' }] : related,
        fixes: [],
        verified: false,
      });
    }
    return out;
  },
};
