// Bundles the four programs (extension, language server, probe worker, CLI) into dist/
// and copies the WebAssembly files and the ONNX schema they load at run time beside them.
import * as esbuild from 'esbuild';
import { chmodSync, copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const watch = process.argv.includes('--watch');

const bundles = [
  { in: 'src/extension/main.ts', out: 'extension' },
  { in: 'src/server/main.ts', out: 'server' },
  { in: 'src/probe/worker/worker.ts', out: 'worker' },
  { in: 'src/cli/main.ts', out: 'cli', banner: '#!/usr/bin/env node' },
];

// Native TensorFlow is optional and cannot be bundled; vscode is provided by the editor.
const external = ['vscode', '@tensorflow/tfjs-node'];

function copyAssets() {
  mkdirSync('dist', { recursive: true });
  const wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')) + '/dist';
  for (const f of readdirSync(wasmDir)) if (f.endsWith('.wasm')) copyFileSync(join(wasmDir, f), join('dist', f));
  copyFileSync(require.resolve('web-tree-sitter/tree-sitter.wasm'), 'dist/tree-sitter.wasm');
  copyFileSync(dirname(require.resolve('tree-sitter-python/package.json')) + '/tree-sitter-python.wasm', 'dist/tree-sitter-python.wasm');
  copyFileSync('src/probe/models/onnx/onnx.proto', 'dist/onnx.proto');
}

const options = (b) => ({
  entryPoints: [b.in],
  outfile: `dist/${b.out}.js`,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  external,
  logLevel: 'warning',
  banner: b.banner ? { js: b.banner } : undefined,
  define: { 'import.meta.url': '__import_meta_url' },
  inject: ['scripts/import-meta-url.js'],
});

copyAssets();
if (watch) {
  for (const b of bundles) await (await esbuild.context(options(b))).watch();
} else {
  await Promise.all(bundles.map((b) => esbuild.build(options(b))));
  chmodSync('dist/cli.js', 0o755);
}
