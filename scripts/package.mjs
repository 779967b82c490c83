// `npm run package`: builds the bundles, packs the VSIX with vsce (dependencies are bundled, so
// node_modules is not shipped), checks it carries only what it needs, and smoke-tests the packed
// CLI and language server from an unpacked copy, so the wasm files load from the installed location.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const run = (cmd, args, opts = {}) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  if (r.status !== 0) {
    process.stderr.write(`${cmd} ${args.join(' ')} failed (${r.status})\n${r.stdout ?? ''}${r.stderr ?? ''}`);
    process.exit(1);
  }
  return r.stdout ?? '';
};

const { name, version } = JSON.parse(readFileSync('package.json', 'utf8'));
const vsix = `${name}-${version}.vsix`;

run(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
run(process.execPath, ['node_modules/@vscode/vsce/vsce', 'package', '--no-dependencies', '--out', vsix], { stdio: 'inherit' });

// What a VSIX may carry: the bundles and their wasm, the icon, the manifest and the docs.
const allowed = [
  /^extension\/dist\/[\w-]+\.js$/,
  /^extension\/dist\/[\w-]+\.wasm$/,
  /^extension\/dist\/onnx\.proto$/,
  /^extension\/media\/(?!report\/)[\w.-]+$/,
  /^extension\/(package\.json|README\.md|LICENSE(\.txt)?|CHANGELOG\.md)$/i,
  /^extension\.vsixmanifest$/,
  /^\[Content_Types\]\.xml$/,
];
const listing = run('unzip', ['-Z1', vsix]).trim().split('\n');
const unexpected = listing.filter((f) => !f.endsWith('/') && !allowed.some((re) => re.test(f)));
const size = statSync(vsix).size;
console.log(`\n${vsix}: ${(size / 1024 / 1024).toFixed(2)} MB, ${listing.length} files`);
console.log(run('unzip', ['-l', vsix]));
if (unexpected.length) {
  console.error(`The VSIX carries files it should not:\n  ${unexpected.join('\n  ')}`);
  process.exit(1);
}
for (const needed of ['extension/dist/extension.js', 'extension/dist/server.js', 'extension/dist/worker.js', 'extension/dist/cli.js', 'extension/dist/tree-sitter.wasm', 'extension/dist/tree-sitter-python.wasm', 'extension/dist/onnx.proto']) {
  if (!listing.includes(needed)) {
    console.error(`The VSIX lacks ${needed}`);
    process.exit(1);
  }
}

// Smoke test from an unpacked copy with no node_modules beside it: the bundles must stand alone.
const dir = mkdtempSync(join(tmpdir(), 'nan-doctor-vsix-'));
try {
  run('unzip', ['-q', vsix, '-d', dir]);
  const cli = join(dir, 'extension/dist/cli.js');
  const example = 'examples/hallo-stage1';
  const r = spawnSync(process.execPath, [cli, 'diagnose', example, '--format', 'json'], { encoding: 'utf8' });
  if (r.status !== 0 && r.status !== 1) {
    console.error(`packed CLI failed (${r.status}): ${r.stderr}`);
    process.exit(1);
  }
  const result = JSON.parse(r.stdout);
  console.log(`packed CLI: diagnose ${example} → ${result.diagnostics.length} diagnostics (exit ${r.status})`);
  const probe = spawnSync(process.execPath, [cli, 'probe', '--model', 'builtin:imageproj', '--iterations', '1', '--format', 'json'], { encoding: 'utf8' });
  const backend = probe.status === 0 ? JSON.parse(probe.stdout).backend : null;
  console.log(`packed CLI: probe builtin:imageproj ran on the ${backend} backend`);
  if (backend !== 'wasm' && backend !== 'tensorflow') {
    console.error(`the packed probe did not load the wasm backend (${backend}): ${probe.stderr}`);
    process.exit(1);
  }
  // The ONNX schema is a file beside the bundles: an imported model must load from the installed copy too.
  const onnx = spawnSync(process.execPath, [cli, 'probe', '--model', 'test/probe/fixtures/onnx/mlp.onnx', '--iterations', '1', '--no-sweep'], { encoding: 'utf8' });
  const losses = onnx.status === 0 ? JSON.parse(onnx.stdout).losses : null;
  console.log(`packed CLI: probe of an ONNX training step gave losses ${JSON.stringify(losses)}`);
  if (!Array.isArray(losses) || losses.length !== 1) {
    console.error(`the packed probe could not run an ONNX model: ${onnx.stderr}`);
    process.exit(1);
  }
  const diagnostics = await serverSmoke(join(dir, 'extension/dist/server.js'), resolve(example));
  console.log(`packed server: published ${diagnostics} diagnostics for the example over LSP`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/** Starts the packed language server on the example over stdio and waits for its config diagnostics. */
function serverSmoke(serverJs, root) {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [serverJs, '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const send = (m) => {
      const body = JSON.stringify({ jsonrpc: '2.0', ...m });
      child.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    };
    const timer = setTimeout(() => {
      child.kill();
      fail(new Error('the packed server published no diagnostics for the example within 30 s'));
    }, 30000);
    let buf = Buffer.alloc(0);
    child.stdout.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const head = buf.indexOf('\r\n\r\n');
        if (head < 0) return;
        const len = Number(/Content-Length: (\d+)/i.exec(buf.subarray(0, head).toString())?.[1]);
        if (buf.length < head + 4 + len) return;
        const msg = JSON.parse(buf.subarray(head + 4, head + 4 + len).toString());
        buf = buf.subarray(head + 4 + len);
        if (msg.id === 1 && msg.result) send({ method: 'initialized', params: {} });
        if (msg.method === 'textDocument/publishDiagnostics' && msg.params.uri.endsWith('stage1.yaml') && msg.params.diagnostics.length > 0) {
          clearTimeout(timer);
          send({ id: 2, method: 'shutdown' });
          send({ method: 'exit' });
          done(msg.params.diagnostics.length);
        }
      }
    });
    const uri = pathToFileURL(root).href;
    send({ id: 1, method: 'initialize', params: { processId: process.pid, rootUri: uri, workspaceFolders: [{ uri, name: 'example' }], capabilities: {} } });
  });
}
