// The seed case in real VS Code: a NaN printed to a log or a terminal lights up the config
// and script lines behind it; "Diagnose NaN" runs from the palette; a quick fix clears its diagnostic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { filterProblems, problems, reportPage, runCommand, scenario, serverReady } from './harness';

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

/** Waits until a Problems row matching `pattern` shows under the filter `filter`; returns the rows' text. */
async function waitForProblem(page: Page, filter: string, pattern: RegExp, timeout = 60_000): Promise<string> {
  const rows = await filterProblems(page, filter);
  await rows.filter({ hasText: pattern }).first().waitFor({ timeout });
  return (await rows.allInnerTexts()).join('\n');
}

/** For the screenshot: the config open at the epsilon line above the Problems table. */
async function showConfigWithProblems(page: Page): Promise<void> {
  const rows = await filterProblems(page, 'adam_epsilon');
  await rows.filter({ hasText: /rounds to 0 in fp16/ }).first().click();
  await filterProblems(page, '');
  await page.locator('.panel [aria-label="View as Table"]').first().click(); // one row per problem
  await page.locator('.markers-panel', { hasText: /learning_rate 1\.0e-5 is not high/ }).first().waitFor();
  await page.mouse.move(700, 300); // no hover over the list in the picture
}

/**
 * Puts the cursor on the editor line containing `lineText`, presses Ctrl+. and returns the offered fix
 * matching `title`. The editor's quick-fix menu sometimes stays a spinning light bulb (about 1 run in 7
 * here, cause not found): a second Ctrl+. is then tried, once.
 */
async function openQuickFixes(page: Page, lineText: string, title: RegExp) {
  const fix = page.locator('.action-widget .monaco-list-row', { hasText: title }).first();
  for (let attempt = 1; ; attempt++) {
    await page.locator('.monaco-editor .view-line', { hasText: lineText }).first().click(); // the editor takes the focus
    await page.keyboard.press('Control+.');
    try {
      await fix.waitFor({ timeout: 15_000 });
      return fix;
    } catch (e) {
      if (attempt === 2) throw e;
      await page.keyboard.press('Escape');
    }
  }
}

/** How many problems the Problems panel counts in all (its tab says so). */
async function problemTotal(page: Page): Promise<number> {
  const label = await page.locator('[aria-label^="Problems (Ctrl+Shift+M) - Total"]').first().getAttribute('aria-label');
  const total = Number(/Total (\d+) Problems/.exec(label ?? '')?.[1]);
  assert.ok(total > 0, `the Problems tab counts problems: ${label}`);
  return total;
}

test('a NaN appended to a watched log puts diagnostics on the config and script lines', () =>
  scenario('1-log-append', example, cutBeforeFirstNaN, async (s) => {
    await serverReady(s.page);
    const before = await (await problems(s.page)).allInnerTexts();
    assert.ok(!before.some((r) => /epsilon/i.test(r)), `no epsilon diagnostic before the NaN: ${before.join(' | ')}`);

    appendFileSync(join(s.workspace, 'logs/train.log'), nanLine);
    assert.match(await waitForProblem(s.page, 'adam_epsilon', /rounds to 0 in fp16/), /stage1\.yaml/);
    assert.match(await waitForProblem(s.page, 'global_step == 1', /validation/i), /train_stage1\.py/);
    assert.match(await waitForProblem(s.page, 'mixed_precision', /fp16/), /stage1\.yaml/);
    await s.page.locator('.statusbar-item', { hasText: /NaN at step 2/ }).first().waitFor({ timeout: 20_000 });
    await showConfigWithProblems(s.page);
    await s.screenshot('1-log-append-problems');
  }));

test('a training command in the integrated terminal that prints a NaN gets the same diagnostics', () =>
  scenario('2-terminal', example, (w) => {
    rmSync(join(w, 'logs'), { recursive: true, force: true });
    copyFileSync(join(__dirname, 'fixtures/fake_train.py'), join(w, 'fake_train.py'));
  }, async (s) => {
    await serverReady(s.page);
    await runCommand(s.page, 'Terminal: Create New Terminal');
    // Shell integration must be active before the command runs, or its output is not seen: wait for the prompt.
    await s.page.locator('.terminal-wrapper .xterm-rows', { hasText: /workspace[#$]/ }).first().waitFor({ timeout: 30_000 });
    await s.page.keyboard.type('/usr/bin/python3 fake_train.py --config ./configs/train/stage1.yaml\n');
    assert.match(await waitForProblem(s.page, 'adam_epsilon', /rounds to 0 in fp16/), /stage1\.yaml/);
    await s.page.locator('.statusbar-item', { hasText: /NaN at step 2/ }).first().waitFor({ timeout: 20_000 });
    await s.screenshot('2-terminal-problems');
  }));

test('"Diagnose NaN" from the command palette runs the diagnosis and the probe', () =>
  scenario('3-diagnose', example, undefined, async (s) => {
    await waitForProblem(s.page, 'adam_epsilon', /rounds to 0 in fp16/);
    await runCommand(s.page, 'NaN Doctor: Diagnose NaN');
    // The probe verifies the epsilon fix; the report view opens with its verdict.
    const report = reportPage(s.page);
    await report.locator('body', { hasText: /adam_epsilon/ }).waitFor({ timeout: 120_000 });
    assert.match(await waitForProblem(s.page, 'adam_epsilon', /verified/i), /epsilon/i);
    await s.screenshot('3-diagnose-nan-report');
  }));

test('applying the epsilon quick fix makes its diagnostic go away', () =>
  scenario('4-quick-fix', example, undefined, async (s) => {
    const rows = await filterProblems(s.page, 'rounds to 0 in fp16');
    const epsilon = rows.filter({ hasText: /adam_epsilon 1\.0e-8 rounds to 0 in fp16/ }).first();
    await epsilon.waitFor({ timeout: 60_000 });
    const before = await problemTotal(s.page);
    await epsilon.click(); // opens stage1.yaml at the diagnostic
    const fix = await openQuickFixes(s.page, 'adam_epsilon', /1(\.0)?e-6/);
    await s.screenshot('4a-quick-fix-menu');
    await fix.click();
    await s.page.locator('.monaco-editor .view-lines', { hasText: /adam_epsilon:\s1(\.0)?e-6/ }).first().waitFor();
    // One problem fewer in all, and the table of the rest no longer lists it.
    await s.page.locator(`[aria-label="Problems (Ctrl+Shift+M) - Total ${before - 1} Problems"]`).first().waitFor({ timeout: 30_000 });
    await filterProblems(s.page, '');
    await s.page.locator('.panel [aria-label="View as Table"]').first().click();
    const table = s.page.locator('.markers-panel');
    await table.filter({ hasText: /mixed_precision: "no" while the trainable weights are fp16/ }).waitFor();
    assert.doesNotMatch(await table.innerText(), /adam_epsilon 1\.0e-8 rounds to 0/);
    const config = readFileSync(join(s.workspace, 'configs/train/stage1.yaml'), 'utf8');
    assert.match(config, /adam_epsilon: 1\.0e-8/, 'nothing is written to disk until the user saves');
    await s.screenshot('4b-quick-fix-applied');
  }));
