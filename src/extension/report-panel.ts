// "Show Report": the probe report page in a webview under a strict content security policy.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

let panel: vscode.WebviewPanel | undefined;

/** Adds the CSP and a nonce to every inline script, so only the report's own scripts run. */
export function secure(html: string, cspSource: string, nonce: string): string {
  const csp = [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `style-src ${cspSource} 'unsafe-inline'`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  const meta = `<meta http-equiv="Content-Security-Policy" content="${csp}">`;
  const withNonce = html.replace(/<script(?![^>]*\bnonce=)/gi, `<script nonce="${nonce}"`);
  if (/<head[^>]*>/i.test(withNonce)) return withNonce.replace(/<head[^>]*>/i, (m) => `${m}\n${meta}`);
  return `<!doctype html><html><head>${meta}</head><body>${withNonce}</body></html>`;
}

export function showReport(html: string): void {
  // The report page is static today; scripts are enabled only if it ever carries some (nonce-bound).
  const enableScripts = /<script/i.test(html);
  if (panel && panel.webview.options.enableScripts !== enableScripts) {
    panel.dispose();
    panel = undefined;
  }
  if (!panel) {
    panel = vscode.window.createWebviewPanel('nanDoctor.report', 'NaN Doctor Report', vscode.ViewColumn.Beside, { enableScripts, localResourceRoots: [] });
    panel.onDidDispose(() => (panel = undefined));
  } else panel.reveal();
  panel.webview.html = secure(html, panel.webview.cspSource, randomBytes(16).toString('base64'));
}
