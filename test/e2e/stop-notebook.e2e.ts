// Stop training and notebooks in real VS Code: a NaN'd run in the integrated terminal is interrupted with
// Ctrl+C from the notification; a notebook cell that prints tqdm progress and then a NaN gets the diagnostics
// on its cells, and Stop training ends the cell's execution; a training task is read and terminated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { clickNotificationButton, filterProblems, runCommand, scenario, serverReady } from './harness';

const kernel = join(__dirname, 'fixtures/notebook-kernel');

/** Cell outputs render in a webview's frames: waits until one of the page's frames shows the text. */
async function frameWithText(page: Page, text: RegExp, timeout = 20_000): Promise<void> {
  const deadline = Date.now() + timeout;
  for (;;) {
    for (const frame of page.frames()) if ((await frame.locator('body', { hasText: text }).count().catch(() => 0)) > 0) return;
    if (Date.now() > deadline) throw new Error(`no frame shows ${text}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function waitForProblem(page: Page, filter: string, pattern: RegExp, timeout = 60_000): Promise<string> {
  const rows = await filterProblems(page, filter);
  await rows.filter({ hasText: pattern }).first().waitFor({ timeout });
  return (await rows.allInnerTexts()).join('\n');
}

test('Stop training interrupts a NaN\'d training command in the integrated terminal (Ctrl+C), which saves and stops', () =>
  scenario('5-stop-terminal', 'examples/hallo-stage1', (w) => {
    rmSync(join(w, 'logs'), { recursive: true, force: true });
    copyFileSync(join(__dirname, 'fixtures/train_forever.py'), join(w, 'train_forever.py'));
  }, async (s) => {
    await serverReady(s.page);
    await runCommand(s.page, 'Terminal: Create New Terminal');
    const terminal = s.page.locator('.terminal-wrapper .xterm-rows');
    await terminal.filter({ hasText: /workspace[#$]/ }).first().waitFor({ timeout: 30_000 });
    await s.page.keyboard.type('/usr/bin/python3 train_forever.py --config ./configs/train/stage1.yaml\n');
    // The run keeps printing NaN steps; the status bar says how long it has gone on since its first NaN.
    await s.page.locator('.statusbar-item', { hasText: /NaN at step 2 · \+\d+ s and running/ }).first().waitFor({ timeout: 60_000 });
    await s.page.locator('.statusbar-item', { hasText: 'Stop training' }).first().waitFor();
    await s.page.locator('.notifications-toasts .notification-toast', { hasText: /hit a NaN in step_loss/ }).first().waitFor({ timeout: 30_000 });
    await s.screenshot('5a-stop-terminal-offered');
    await clickNotificationButton(s.page, /hit a NaN in step_loss/, 'Stop training');
    await terminal.filter({ hasText: /KeyboardInterrupt: saved checkpoint-\d+ before stopping/ }).first().waitFor({ timeout: 20_000 });
    await s.page.locator('.statusbar-item', { hasText: /NaN at step 2 · stopped after \d+ s/ }).first().waitFor({ timeout: 20_000 });
    assert.equal(await s.page.locator('.statusbar-item', { hasText: 'Stop training' }).count(), 0, 'nothing left to stop');
    await s.page.locator('.notifications-toasts .notification-toast', { hasText: /Interrupted|Sent Ctrl\+C/ }).first().waitFor({ timeout: 10_000 });
    await s.screenshot('5b-stop-terminal-stopped');
  }));

test('a notebook cell that prints tqdm progress and then a NaN: diagnostics on its cells, and Stop training ends the cell', () =>
  scenario('6-notebook', 'test/e2e/fixtures/notebook-workspace', undefined, async (s) => {
    await serverReady(s.page);
    await s.page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'train.ipynb' }).first().dblclick();
    const cells = s.page.locator('.notebook-editor .code-cell-row');
    await cells.nth(2).waitFor({ timeout: 30_000 });
    // Run only the training cell, with its own run button (the test kernel runs a cell as a process of its own).
    await cells.nth(2).hover();
    await cells.nth(2).locator('.run-button-container .action-label').first().click();

    // The NaN printed in the cell's output: a diagnostic on that cell, and on the cells that set what caused it.
    assert.match(await waitForProblem(s.page, 'First non-finite', /loss is nan/), /train\.ipynb/);
    assert.match(await waitForProblem(s.page, 'adam_epsilon', /rounds to 0 in fp16/), /train\.ipynb/);
    assert.match(await waitForProblem(s.page, 'learning_rate', /3\.0 is high/), /train\.ipynb/);
    await s.page.locator('.statusbar-item', { hasText: /NaN at step \d+ · \+\d+ s and running/ }).first().waitFor({ timeout: 20_000 });
    await s.screenshot('6a-notebook-running');

    await clickNotificationButton(s.page, /train\.ipynb cell 4 hit a NaN/, 'Stop training');
    // The kernel's interrupt reached the cell: its execution ended (the toolbar offers Run All again, not Interrupt)
    // and the cell printed its KeyboardInterrupt line.
    const toolbar = s.page.locator('.notebook-editor .notebook-toolbar-container');
    await toolbar.filter({ hasText: 'Run All' }).first().waitFor({ timeout: 20_000 });
    assert.doesNotMatch(await toolbar.first().innerText(), /Interrupt/);
    await s.page.locator('.statusbar-item', { hasText: /stopped after \d+ s/ }).first().waitFor({ timeout: 20_000 });
    await s.page.keyboard.press('Control+j'); // the panel away: the cell and its output in the picture
    // Down to the cell's output, scrolling over the cell's status bar (a cell editor would take the wheel).
    await cells.nth(2).locator('.cell-statusbar-container').first().hover();
    for (let i = 0; i < 20; i++) await s.page.mouse.wheel(0, 300);
    await frameWithText(s.page, /KeyboardInterrupt at step \d+: checkpoint saved/);
    await s.page.mouse.move(700, 120);
    await s.screenshot('6b-notebook-stopped');
  }, { extensions: [kernel], settings: { 'notebook.output.textLineLimit': 1000 } }));

test('a training task: its output is read through shell integration too, and Stop training terminates the task', () =>
  scenario('7-stop-task', 'examples/hallo-stage1', (w) => {
    rmSync(join(w, 'logs'), { recursive: true, force: true });
    copyFileSync(join(__dirname, 'fixtures/train_forever.py'), join(w, 'train_forever.py'));
    mkdirSync(join(w, '.vscode'), { recursive: true });
    const task = { label: 'train', type: 'shell', command: '/usr/bin/python3 train_forever.py --config ./configs/train/stage1.yaml', problemMatcher: [] };
    writeFileSync(join(w, '.vscode/tasks.json'), JSON.stringify({ version: '2.0.0', tasks: [task] }));
  }, async (s) => {
    await serverReady(s.page);
    await runCommand(s.page, 'Tasks: Run Task');
    await s.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'train' }).first().click();
    await s.page.locator('.statusbar-item', { hasText: /NaN at step 2 · \+\d+ s and running/ }).first().waitFor({ timeout: 60_000 });
    await clickNotificationButton(s.page, /hit a NaN in step_loss/, 'Stop training');
    await s.page.locator('.notifications-toasts .notification-toast', { hasText: /Terminated the task "train"/ }).first().waitFor({ timeout: 20_000 });
    await s.page.locator('.statusbar-item', { hasText: /NaN at step 2 · stopped after \d+ s/ }).first().waitFor({ timeout: 20_000 });
    await s.screenshot('7-stop-task');
  }));
