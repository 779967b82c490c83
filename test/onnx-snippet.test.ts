// The ONNX export snippet is written for the project's own script: its trained module and its data loader.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { locate } from '../src/engine/config/index';
import { onnxExportSnippet } from '../src/engine/onnx-snippet';

test('the snippet wraps the module the optimizer trains and reads one batch from the script loader', async () => {
  const source = [
      'import torch',
      'net = Net()',
      'train_loader = torch.utils.data.DataLoader(ds, batch_size=8)',
      'optimizer = torch.optim.AdamW(net.parameters(), lr=1e-4)',
      'for x, y in train_loader:',
      '    loss = torch.nn.functional.cross_entropy(net(x), y)',
      '    loss.backward()',
      '    optimizer.step()',
      '',
    ].join('\n');
  const script = await locate('train.py', source);
  const s = onnxExportSnippet([script], (f) => (f === 'train.py' ? source : undefined));
  assert.equal(s.script, 'train.py');
  assert.match(s.text, /step = TrainStep\(net\)\.train\(\)/);
  assert.match(s.text, /next\(iter\(train_loader\)\)/);
  assert.match(s.text, /torch\.onnx\.export\(\n    step,/);
  assert.match(s.text, /training=torch\.onnx\.TrainingMode\.TRAINING/);
  assert.match(s.text, /np\.savez\("batch\.npz"/);
  assert.match(s.text, /nan-doctor probe --model step\.onnx --data batch\.npz/);
});

test('without a training script the snippet still runs with placeholders a user fills in', () => {
  const s = onnxExportSnippet([]);
  assert.equal(s.script, null);
  assert.match(s.text, /TrainStep\(model\)/);
  assert.match(s.text, /next\(iter\(train_dataloader\)\)/);
});
