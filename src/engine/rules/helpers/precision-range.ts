// When fp16's range (largest value 65504) is what made the run non-finite, and the lines that chose fp16:
// a model pretrained in bf16 (T5 and its family), a loss scaler that kept backing off, or one loss term going
// non-finite while its siblings stay finite. A 16-bit run with a NaN and none of these makes fp16 a usual
// suspect: a warning while nothing explains the NaN better, information once another rule pins it.
import type { NanDiagnostic, ScriptFact, Severity } from '../../types';
import { baseName, eventBefore, relatedEvent, relatedIncident, shows, type Evidence } from './evidence';
import { fix } from './edits';
import { fp16Choices, type Fp16Choice } from './fp16-choice';
import { bf16Models, mentionsBf16Model, modelRef } from './pretrained';
import { asSuspect } from './suspects';
import type { RuleContext } from '../types';

type Related = NanDiagnostic['related'];

/** What makes fp16 the cause, said once for every line that chose fp16, plus diagnostics on other lines. */
interface Finding {
  severity: Severity;
  choices: Fp16Choice[];
  /** The message for one choice: `fp16=True runs … in fp16: …`. */
  message: (c: Fp16Choice) => string;
  related: Related;
  change: Record<string, unknown>;
  more: NanDiagnostic[];
  /** A usual suspect rather than a cause the evidence points at (./suspects.ts). */
  suspect?: boolean;
}

const FP16_MAX = '65504';

/** The diagnostics of the first finding that holds (most specific first), on every line that chose fp16. */
export function fp16RangeDiagnostics(ctx: RuleContext, e: Evidence | undefined, skip: Set<string>): NanDiagnostic[] {
  const finding = bf16Pretrained(ctx, e) ?? lossScalerGaveUp(ctx, e) ?? oneLossTerm(ctx, e) ?? sixteenBitSuspect(ctx, e);
  if (!finding) return [];
  const out: NanDiagnostic[] = [];
  for (const c of finding.choices) {
    if (skip.has(`${c.file}:${c.range.start.line}`)) continue;
    const d: NanDiagnostic = {
      file: c.file,
      range: c.range,
      severity: finding.severity,
      code: 'precision',
      message: finding.message(c),
      related: finding.related,
      fixes: c.fixes,
      verified: false,
      change: finding.change,
    };
    out.push(finding.suspect ? asSuspect(d) : d);
  }
  return [...out, ...finding.more];
}

/** What a place does: `fp16=True turns on fp16`, `….half() puts the model in fp16`. */
function puts(c: Fp16Choice, what = 'the model'): string {
  if (c.kind === 'cast') return `${c.ref} puts ${what} in fp16`;
  if (c.kind === 'launch') return `${c.ref} picks a DeepSpeed config that runs ${what} in fp16`;
  return `${c.ref} runs ${what} in fp16`;
}

function evidenceText(e: Evidence | undefined): string {
  return e ? `; ${shows(e)}` : '';
}

/** Error with an incident; before any run a warning; a run that stayed finite so far says nothing against it yet. */
function severityFor(ctx: RuleContext, e: Evidence | undefined): Severity {
  if (e) return 'error';
  return ctx.runs.length ? 'information' : 'warning';
}

// T5, mT5, Flan-T5, ByT5, UL2, T0, Pegasus were pretrained in bf16: their activations outgrow fp16.
function bf16Pretrained(ctx: RuleContext, e: Evidence | undefined): Finding | undefined {
  const models = bf16Models(ctx);
  if (!models.length) return undefined;
  const choices = fp16Choices(ctx, { casts: true });
  if (!choices.length) return undefined;
  const model = models[0];
  const calls = ctx.facts.filter((f) => f.kind === 'forward-call' && mentionsBf16Model(`${f.detail?.callee ?? ''} ${f.detail?.bound ?? ''}`));
  // every call of the model already runs with autocast off: the fp16 choice does not reach it
  if (calls.length && calls.every((c) => c.detail?.autocastOff === true)) return undefined;
  const severity = severityFor(ctx, e);
  const related: Related = [...(e ? [relatedIncident(e)] : []), { file: model.file, line: model.line, message: `${model.family} model: ${model.name}` }];
  const family = `${model.family} models were pretrained in bf16`;
  const chooser = choices.find((c) => c.kind !== 'cast' && c.kind !== 'launch') ?? choices[0];
  const more = calls
    .filter((c) => c.detail?.autocastOff !== true)
    .map((c): NanDiagnostic => ({
      file: c.file,
      range: c.range,
      severity,
      code: 'precision',
      message: `${c.detail?.callee}(…) runs ${model.name} (${model.family}) inside ${c.detail?.class}.forward, under the fp16 autocast that ${chooser.ref} turns on: ${family} and their activations outgrow fp16 (max ${FP16_MAX})${evidenceText(e)}; run it with autocast off`,
      related,
      fixes: wrapInFp32(c),
      verified: false,
      change: { mixed_precision: 'bf16' },
    }));
  return {
    severity,
    choices,
    message: (c) => `${puts(c, model.name)}, but ${family}: their activations outgrow fp16 (max ${FP16_MAX}) and turn inf, then NaN${evidenceText(e)}; train it in bf16 (or fp32)${c.file === model.file ? '' : ` (${modelRef(model)})`}`,
    related,
    change: { mixed_precision: 'bf16' },
    more,
  };
}

/** A statement's first line (a call spread over lines is marked where it starts). */
function firstLine(f: ScriptFact): NanDiagnostic['range'] {
  const statement = f.detail?.statement as { text: string } | undefined;
  if (!statement || f.range.start.line === f.range.end.line) return f.range;
  const length = statement.text.split('\n')[0].length;
  return { start: f.range.start, end: { line: f.range.start.line, character: length } };
}

/** `with torch.autocast("cuda", enabled=False):` around a one-line statement of a forward. */
function wrapInFp32(call: ScriptFact): NanDiagnostic['fixes'] {
  const statement = call.detail?.statement as { range: NanDiagnostic['range']; text: string; indent: string } | null | undefined;
  if (!statement || statement.text.includes('\n')) return [];
  const body = statement.text.slice(statement.indent.length);
  return [fix('Run it with autocast off', { file: call.file, range: statement.range, newText: `${statement.indent}with torch.autocast("cuda", enabled=False):\n${statement.indent}    ${body}` })];
}

// The loss scaler kept backing off (DeepSpeed down to its minimum, GradScaler skipping every step): values do not fit fp16.
function lossScalerGaveUp(ctx: RuleContext, e: Evidence | undefined): Finding | undefined {
  if (!e) return undefined;
  const scaleEvent = eventBefore(e, ['loss-scale', 'overflow']);
  if (e.incident.kind !== 'overflow' && !scaleEvent) return undefined;
  const choices = fp16Choices(ctx, { casts: true });
  if (!choices.length) return undefined;
  const related: Related = [relatedIncident(e), ...(scaleEvent ? [relatedEvent(e, scaleEvent)] : [])];
  const how = scaleEvent ? `the loss scaler kept backing off (line ${scaleEvent.line}) and ${shows(e)}` : `${shows(e)}`;
  return {
    severity: 'error',
    choices,
    message: (c) =>
      `${puts(c)} and it overflows: ${how}; values no longer fit fp16 (max ${FP16_MAX}), and a lower scale only skips more steps; bf16 has fp32's exponent range and needs no loss scaling`,
    related,
    change: { mixed_precision: 'bf16' },
    more: [],
  };
}

// mm*: `loss_bbox=dict(type='RotatedIoULoss')` is nan while `loss_cls` stays finite: that loss computes out of fp16's range.
function oneLossTerm(ctx: RuleContext, e: Evidence | undefined): Finding | undefined {
  if (!e || e.incident.kind !== 'metric') return undefined;
  const choices = fp16Choices(ctx, { casts: false }).filter((c) => c.kind !== 'hook');
  if (!choices.length) return undefined;
  const terms = new Map<string, string>();
  for (const f of ctx.files) {
    for (const v of f.values) {
      const m = /(?:^|\.)(loss_\w+)\.type$/.exec(v.keyPath);
      if (m && typeof v.value === 'string' && !terms.has(m[1])) terms.set(m[1], v.value.split('.').pop()!);
    }
  }
  const name = (metric: string) => metric.split(/[./]/).pop()!;
  const bad = [...terms.keys()].filter((t) => e.incident.nonFinite.some((n) => name(n) === t));
  const finite = [...terms.keys()].filter((t) => !bad.includes(t));
  if (!bad.length || !finite.length) return undefined;
  const term = bad[0];
  const cls = terms.get(term)!;
  const where = ctx.facts.find((f) => f.kind === 'module-forward' && f.detail?.class === cls && f.detail?.autocastOff !== true);
  const related: Related = [relatedIncident(e), ...(where ? [{ file: where.file, line: where.range.start.line + 1, message: `${cls}.forward computes ${term}` }] : [])];
  const alone = `${term} is non-finite while ${finite.join(', ')} stayed finite: the weights and the shared forward pass are finite, so ${term}'s own computation (${cls}) leaves fp16's range`;
  const more: NanDiagnostic[] = where
    ? [
        {
          file: where.file,
          range: firstLine(where),
          severity: 'warning',
          code: 'precision',
          message: `${cls}.forward computes ${term} under fp16 autocast (${choices[0].ref}); ${shows(e)}: ${alone}; compute it in fp32 (autocast off, inputs .float())`,
          related: [relatedIncident(e)],
          fixes: [],
          verified: false,
          change: { mixed_precision: 'no' },
        },
      ]
    : [];
  return {
    severity: 'warning',
    choices,
    message: (c) => `${c.ref} runs the forward pass and the losses in fp16 autocast; ${shows(e)}: ${alone}${where ? ` (${baseName(where.file)}:${where.range.start.line + 1})` : ''}; compute that loss in fp32, or train without fp16`,
    related,
    change: { mixed_precision: 'no' },
    more,
  };
}

// Lightning `precision: 16`, `--amp`, `fp16=True`, DeepSpeed's fp16 block, mm*'s AmpOptimWrapper with a NaN that no
// other finding explains: fp16's range is the usual suspect of a 16-bit run, and bf16 the first thing to try.
function sixteenBitSuspect(ctx: RuleContext, e: Evidence | undefined): Finding | undefined {
  if (!e) return undefined;
  const choices = fp16Choices(ctx, { casts: false }).filter((c) => c.kind !== 'hook');
  if (!choices.length) return undefined;
  return {
    severity: 'warning',
    choices,
    message: (c) =>
      `${puts(c)}; ${shows(e)}: fp16 overflows past ${FP16_MAX} and underflows below 6.0e-8, the usual cause of a NaN in a 16-bit run; ` +
      `bf16 has fp32's range (32-bit on GPUs without bf16)`,
    related: [relatedIncident(e)],
    change: { mixed_precision: 'bf16' },
    more: [],
    suspect: true,
  };
}
