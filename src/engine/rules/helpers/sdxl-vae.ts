// SDXL's VAE in fp16: its decoder and encoder activations outgrow fp16, so `vae.encode` returns NaN latents and every
// loss is NaN from the first step. Diffusers' SDXL scripts keep that VAE in fp32 (or load madebyollin's
// sdxl-vae-fp16-fix); a script that casts it with the other frozen modules to an fp16 weight_dtype does not.
import type { NanDiagnostic, ScriptFact } from '../../types';
import { atFirstStep, firstEvidence, relatedIncident, shows } from './evidence';
import { fix, rangeWithin } from './edits';
import { castPrecision } from './weights';
import type { RuleContext } from '../types';

const SDXL = /StableDiffusionXL|stable-diffusion-xl|\bsdxl\b|_sdxl\b|sdxl_/i;
const FP16_FIX = /sdxl-vae-fp16-fix|pretrained_vae_model_name_or_path/;

/** The casts that put an SDXL VAE in fp16, each as a diagnostic. */
export function sdxlVaeInFp16(ctx: RuleContext): NanDiagnostic[] {
  const casts = ctx.facts.filter((f): f is ScriptFact => f.kind === 'half-cast' && /(?:^|\.)vae$/.test(String(f.detail?.module ?? '')) && castPrecision(ctx, f) === 'fp16');
  if (!casts.length) return [];
  const sdxl = (file: string) => SDXL.test(file) || ctx.facts.some((f) => f.file === file && SDXL.test(`${f.text} ${String(f.detail?.class ?? '')}`));
  // the fp16-fixed VAE set where the run reads settings (a docstring's inference example elsewhere is not the run's)
  const fixedIn = (file: string) =>
    ctx.files.some((f) => (f.file === file || f.language !== 'python') && f.values.some((v) => String(v.value).length < 200 && FP16_FIX.test(`${v.keyPath} ${String(v.value)}`)));
  const e = firstEvidence(ctx.runs);
  const first = !!e && atFirstStep(e);
  return casts
    .filter((c) => sdxl(c.file) && !fixedIn(c.file))
    .map((c) => {
      const dtype = rangeWithin(c.range, c.text, /weight_dtype|torch\.float16|torch\.half/);
      return {
        file: c.file,
        range: c.range,
        severity: first ? 'error' : 'warning',
        code: 'precision',
        message:
          `${c.text.trim()} runs SDXL's VAE in fp16: its activations outgrow fp16 (max 65504), so vae.encode gives NaN latents and the loss is NaN from the first step` +
          `${e ? `; ${shows(e)}` : ''}; keep the VAE in fp32 (or load madebyollin/sdxl-vae-fp16-fix), or train in bf16`,
        related: e ? [relatedIncident(e)] : [],
        fixes: dtype ? [fix('Keep the VAE in fp32', { file: c.file, range: dtype, newText: 'torch.float32' })] : [],
        verified: false,
        change: { mixed_precision: 'bf16' },
      };
    });
}
