// The probe without a model, then with the user's own: "Diagnose NaN" on a project that names no probe model
// re-runs a stand-in of its family and says so; "Use My Model…" picks an exported ONNX step (its batch beside
// it) and writes both into nan-doctor.json; the next "Diagnose NaN" re-runs that model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { filterProblems, reportPage, runCommand, scenario } from './harness';

const onnx = join(__dirname, '../probe/fixtures/onnx');

test('without a probe model "Diagnose NaN" re-runs a stand-in; "Use My Model…" switches the probe to the exported step', () =>
  scenario('8-own-model', 'examples/hallo-stage1', (w) => {
    rmSync(join(w, 'nan-doctor.json'));
    mkdirSync(join(w, 'exports'));
    copyFileSync(join(onnx, 'mlp.onnx'), join(w, 'exports/step.onnx'));
    copyFileSync(join(onnx, 'mlp.npz'), join(w, 'exports/step.npz'));
  }, async (s) => {
    const rows = await filterProblems(s.page, 'adam_epsilon');
    await rows.filter({ hasText: /rounds to 0 in fp16/ }).first().waitFor({ timeout: 60_000 });

    await runCommand(s.page, 'NaN Doctor: Diagnose NaN');
    const report = reportPage(s.page);
    await report.locator('body', { hasText: /stand-in model/ }).waitFor({ timeout: 120_000 });
    // The summary offers the way to the user's own model.
    const toast = s.page.locator('.notifications-toasts .notification-toast', { hasText: /finding/ }).first();
    await toast.locator('.monaco-button', { hasText: 'Use My Model…' }).waitFor({ timeout: 30_000 });
    await s.screenshot('8a-stand-in-report');

    await toast.locator('.monaco-button', { hasText: 'Use My Model…' }).click();
    // code-server's open dialog is VS Code's simple dialog: a path typed into the quick input. It first fills
    // the input with the folder it opens in; a path typed before that is overwritten, so wait for it.
    const path = s.page.locator('.quick-input-widget input');
    const dialog = s.page.locator('.quick-input-widget');
    await path.waitFor();
    for (let i = 0; i < 50 && !(await path.inputValue()).startsWith(s.workspace); i++) await new Promise((r) => setTimeout(r, 200));
    const target = join(s.workspace, 'exports/step.onnx');
    // It also ignores an Enter while it updates its list: type the path again if it was replaced, and press again.
    for (let i = 0; i < 10 && (await dialog.isVisible()); i++) {
      if ((await path.inputValue()) !== target) {
        await path.fill(target);
        await s.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'step.onnx' }).first().waitFor();
      }
      await path.press('Enter');
      await new Promise((r) => setTimeout(r, 1000));
    }
    const settings = join(s.workspace, 'nan-doctor.json');
    for (let i = 0; i < 150 && !existsSync(settings); i++) await new Promise((r) => setTimeout(r, 200));
    const toasts = async (): Promise<string> => (await s.page.locator('.notifications-toasts .notification-toast').allInnerTexts()).join(' | ');
    assert.ok(existsSync(settings), `picking exports/step.onnx in the open dialog wrote no nan-doctor.json; notifications: ${await toasts()}`);
    await s.page.locator('.notifications-toasts .notification-toast', { hasText: /the probe now re-runs exports\/step\.onnx/ }).first().waitFor({ timeout: 30_000 })
      .catch(async (e: Error) => assert.fail(`${e.message}\nnotifications: ${await toasts()}`));
    assert.deepEqual(JSON.parse(readFileSync(settings, 'utf8')), { probe: { model: 'exports/step.onnx', data: 'exports/step.npz' } });

    await runCommand(s.page, 'NaN Doctor: Diagnose NaN');
    await report.locator('body', { hasText: /step\.onnx/ }).waitFor({ timeout: 120_000 });
    assert.doesNotMatch(await report.locator('body').innerText(), /stand-in model/);
    await s.screenshot('8b-own-model-report');
  }));
