// `npm run package`: builds the bundles, packs the VSIX with vsce (dependencies are bundled, so
// node_modules is not shipped), checks it carries only what it needs, and smoke-tests the packed
// CLI and language server from an unpacked copy, so the wasm files load from the installed location.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
for (const needed of ['extension/dist/extension.js', 'extension/dist/server.js', 'extension/dist/worker.js', 'extension/dist/cli.js', 'extension/dist/tree-sitter.wasm', 'extension/dist/tree-sitter-python.wasm']) {
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
  const server = spawnSync(process.execPath, [join(dir, 'extension/dist/server.js'), '--stdio'], { input: '', encoding: 'utf8', timeout: 10000 });
  if (server.error) {
    console.error(`packed server did not start: ${server.error.message}`);
    process.exit(1);
  }
  console.log(`packed server: started and exited on end of input (status ${server.status})`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
