// The Python a user pastes into their training script to export one training step to ONNX, so the probe can
// re-run their own model (`nan-doctor probe --model step.onnx --data batch.npz`). Filled in from what the
// locators found in the script: the module the optimizer trains, the loss call, the training data loader.
import type { LocatedFile } from './types';

export interface OnnxSnippet {
  /** The training script the snippet is written for (workspace-relative), or null when none was found. */
  script: string | null;
  text: string;
}

// `train_loader = DataLoader(…)`, `train_dataloader = accelerator.prepare(…)`: the name the training loop iterates.
const LOADER_ASSIGNED = /^\s*(\w*(?:loader|dataloader)\w*)\s*=\s*.*\bDataLoader\(/im;
const LOADER_NAMED = /\b(train_dataloader|train_loader|trainloader|train_data_loader)\b/;

function firstModule(files: LocatedFile[]): { script: string; module: string | null } | null {
  for (const f of files.filter((x) => x.language === 'python')) {
    const optimizer = f.facts.find((x) => x.kind === 'optimizer');
    if (!optimizer) continue;
    const modules = optimizer.detail?.modules;
    const module = Array.isArray(modules) && typeof modules[0] === 'string' ? (modules[0] as string) : null;
    return { script: f.file, module };
  }
  return null;
}

/** The export snippet for the project's training script (`files`: what the diagnosis located; `sourceOf`: a file's text). */
export function onnxExportSnippet(files: LocatedFile[], sourceOf: (file: string) => string | undefined = () => undefined): OnnxSnippet {
  const found = firstModule(files);
  const model = found?.module ?? 'model';
  const source = found ? (sourceOf(found.script) ?? '') : '';
  const loader = LOADER_ASSIGNED.exec(source)?.[1] ?? LOADER_NAMED.exec(source)?.[1] ?? 'train_dataloader';
  const where = found ? ` after ${found.script} builds \`${model}\`` : '';
  const text = `# NaN Doctor: export one training step to ONNX${where}, then run
#   nan-doctor probe --model step.onnx --data batch.npz
# The probe re-runs the first iterations of this step with your optimizer settings and per-layer probes.
import numpy as np
import torch


class TrainStep(torch.nn.Module):
    """One training step's forward pass: the batch in, the loss out (what your loop computes before backward)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, inputs, targets):
        outputs = self.model(inputs)
        # Replace with the loss your script computes from the model's outputs.
        return torch.nn.functional.cross_entropy(outputs, targets)


step = TrainStep(${model}).train()
inputs, targets = next(iter(${loader}))[:2]  # one real batch (adapt to how your batches are built)
torch.onnx.export(
    step,
    (inputs, targets),
    "step.onnx",
    input_names=["inputs", "targets"],
    output_names=["loss"],
    training=torch.onnx.TrainingMode.TRAINING,
    do_constant_folding=False,
    export_params=True,
    opset_version=17,
)
np.savez("batch.npz", inputs=inputs.detach().cpu().numpy(), targets=targets.detach().cpu().numpy())
`;
  return { script: found?.script ?? null, text };
}
