// A temp copy of the seed-case workspace cut just before its NaN line, with what the tests need to know about it.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyExample } from './lsp-client.ts';

export function seedWorkspace() {
  const root = copyExample();
  const logPath = join(root, 'logs/train.log');
  const lines = readFileSync(logPath, 'utf8').split(/(?<=\n)/);
  const nanIndex = lines.findIndex((l) => l.includes('step_loss=nan'));
  assert.ok(nanIndex > 0, 'the example log has a NaN line');
  const finite = lines.slice(0, nanIndex).join('');
  writeFileSync(logPath, finite);
  const configPath = join(root, 'configs/train/stage1.yaml');
  const config = readFileSync(configPath, 'utf8');
  const epsilonLine = config.split('\n').findIndex((l) => /^\s*adam_epsilon:/.test(l));
  assert.ok(epsilonLine > 0, 'the example config sets adam_epsilon');
  return { root, logPath, finite, nanLine: lines[nanIndex], nanLineNumber: nanIndex + 1, configPath, config, epsilonLine };
}
