// The seed case in real VS Code: a NaN printed to a log or a terminal lights up the config
// and script lines behind it; "Diagnose NaN" runs from the palette; a quick fix clears its diagnostic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { openWorkspace, problems, runCommand } from './harness';

const example = 'examples/hallo-stage1';
const nanLine = 'Steps:   0%|          | 2/30000 [00:11<49:18:19,  5.92s/it, lr=1e-05, step_loss=nan]\n';

/** Keeps the log up to the last finite step (and the validation after it): the run has not gone NaN yet. */
function cutBeforeFirstNaN(workspace: string): void {
  const log = join(workspace, 'logs/train.log');
  const text = readFileSync(log, 'utf8');
  const nan = text.indexOf('step_loss=nan');
  assert.ok(nan > 0, 'the example log has a NaN to cut at');
  const redraw = text.lastIndexOf('Steps:', nan);
  writeFileSync(log, text.slice(0, redraw).replace(/\r?$/, '') + '\n');
}

/** The messages of the Problems panel's marker rows (file rows excluded), once `count` rows match `pattern`. */
async function waitForProblems(page: Page, pattern: RegExp, count = 1, timeout = 60_000): Promise<string[]> {
  const rows = await problems(page);
  await rows.filter({ hasText: pattern }).nth(count - 1).waitFor({ timeout });
  return rows.allInnerTexts();
}

test('a NaN appended to a watched log puts diagnostics on the config and script lines', async () => {
  const s = await openWorkspace(example, cutBeforeFirstNaN);
  try {
    const status = s.page.locator('.statusbar-item', { hasText: /NaN Doctor/ });
    await status.first().waitFor({ timeout: 60_000 });
    const before = await (await problems(s.page)).allInnerTexts();
    assert.ok(!before.some((r) => /epsilon/i.test(r)), `no epsilon diagnostic before the NaN: ${before.join(' | ')}`);

    appendFileSync(join(s.workspace, 'logs/train.log'), nanLine);
    const rows = await waitForProblems(s.page, /epsilon/i);
    await waitForProblems(s.page, /validation/i);
    const text = rows.join('\n');
    assert.match(text, /stage1\.yaml/);
    assert.match(text, /train_stage1\.py/);
    assert.match(text, /fp16/);
    await s.page.locator('.statusbar-item', { hasText: /NaN at step 2/ }).first().waitFor({ timeout: 20_000 });
    await s.screenshot('1-log-append-problems');
  } finally {
    await s.close();
  }
});

test('a training command in the integrated terminal that prints a NaN gets the same diagnostics', async () => {
  const s = await openWorkspace(example, (w) => {
    rmSync(join(w, 'logs'), { recursive: true, force: true });
    copyFileSync(join(__dirname, 'fixtures/fake_train.py'), join(w, 'fake_train.py'));
  });
  try {
    await s.page.locator('.statusbar-item', { hasText: /NaN Doctor/ }).first().waitFor({ timeout: 60_000 });
    await runCommand(s.page, 'Terminal: Create New Terminal');
    const terminal = s.page.locator('.terminal-wrapper .xterm');
    await terminal.first().waitFor({ timeout: 30_000 });
    await terminal.first().click();
    // Shell integration must be active before the command runs, or the command's output is not seen.
    await s.page.locator('.terminal-wrapper .xterm-rows', { hasText: '$' }).first().waitFor({ timeout: 30_000 });
    await s.page.keyboard.type('/usr/bin/python3 fake_train.py --config ./configs/train/stage1.yaml\n');
    const rows = await waitForProblems(s.page, /epsilon/i);
    assert.match(rows.join('\n'), /stage1\.yaml/);
    await s.page.locator('.statusbar-item', { hasText: /NaN at step 2/ }).first().waitFor({ timeout: 20_000 });
    await s.screenshot('2-terminal-problems');
  } finally {
    await s.close();
  }
});

test('"Diagnose NaN" from the command palette runs the diagnosis and the probe', async () => {
  const s = await openWorkspace(example);
  try {
    await waitForProblems(s.page, /epsilon/i);
    await runCommand(s.page, 'NaN Doctor: Diagnose NaN');
    // The probe verifies the epsilon fix; the report view opens with its verdict.
    const report = s.page.frameLocator('iframe.webview').frameLocator('iframe');
    await report.locator('body', { hasText: /adam_epsilon/ }).waitFor({ timeout: 120_000 });
    const rows = await waitForProblems(s.page, /verified/i);
    assert.match(rows.join('\n'), /epsilon/i);
    await s.screenshot('3-diagnose-nan-report');
  } finally {
    await s.close();
  }
});

test('applying the epsilon quick fix makes its diagnostic go away', async () => {
  const s = await openWorkspace(example);
  try {
    const rows = await problems(s.page);
    const epsilon = rows.filter({ hasText: /adam_epsilon/ }).first();
    await epsilon.waitFor({ timeout: 60_000 });
    await epsilon.click(); // opens stage1.yaml at the diagnostic
    await s.page.locator('.monaco-editor .view-lines', { hasText: 'adam_epsilon' }).first().waitFor();
    await s.page.keyboard.press('Control+.');
    const fix = s.page.locator('.action-widget .monaco-list-row, .context-view .action-label', { hasText: /1(\.0)?e-6/ }).first();
    await fix.waitFor({ timeout: 20_000 });
    await s.screenshot('4a-quick-fix-menu');
    await fix.click();
    await s.page.locator('.monaco-editor .view-lines', { hasText: /adam_epsilon: 1(\.0)?e-6/ }).first().waitFor();
    await rows.filter({ hasText: /adam_epsilon/ }).first().waitFor({ state: 'detached', timeout: 30_000 });
    const config = readFileSync(join(s.workspace, 'configs/train/stage1.yaml'), 'utf8');
    assert.match(config, /adam_epsilon: 1\.0e-8/, 'nothing is written to disk until the user saves');
    await s.screenshot('4b-quick-fix-applied');
  } finally {
    await s.close();
  }
});
