// `nan-doctor snippet [DIR] [--log FILE]... [--config FILE]...`: prints the Python that exports the project's
// training step to ONNX (for `nan-doctor probe --model step.onnx --data batch.npz`), written for the training
// script the diagnosis finds; the editor's "Copy ONNX Export Snippet" gives the same lines.
import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { diagnoseWithFiles } from '../engine/diagnose';
import { onnxExportSnippet } from '../engine/onnx-snippet';
import { parseDiagnoseArgs } from './diagnose';
import { UsageError, type CliIO } from './io';

export const snippetHelp = `usage: nan-doctor snippet [DIR] [--log FILE]... [--config FILE]...

Prints the lines to paste into the training script found under DIR (default .), after it builds
its model: they export one training step to step.onnx and one batch to batch.npz, for
  nan-doctor probe --model step.onnx --data batch.npz`;

export async function snippetCommand(args: string[], io: CliIO): Promise<number> {
  const opts = parseDiagnoseArgs(args);
  if (opts.help) {
    io.stdout(snippetHelp + '\n');
    return 0;
  }
  if (opts.probe || opts.format !== 'text') throw new UsageError('takes DIR, --log and --config only');
  const root = resolve(io.cwd, opts.dir);
  const info = await stat(root).catch(() => null);
  if (!info || !info.isDirectory()) throw new UsageError(`${opts.dir}: ${info ? 'not a directory' : 'no such directory'}`);
  const { files } = await diagnoseWithFiles({ root, logs: opts.logs, configs: opts.configs });
  const snippet = onnxExportSnippet(files, (file) => {
    try {
      return readFileSync(resolve(root, file), 'utf8');
    } catch {
      return undefined;
    }
  });
  if (!snippet.script) io.stderr('nan-doctor snippet: no training script with an optimizer found; the lines use `model` and `train_dataloader`\n');
  io.stdout(snippet.text.endsWith('\n') ? snippet.text : `${snippet.text}\n`);
  return 0;
}
