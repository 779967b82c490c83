// Loads web-tree-sitter and the Python grammar once. The bundles find the wasm files beside
// themselves in dist/ (copied by scripts/build.mjs); unbundled code (tests via tsx) finds them in node_modules.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Language, Parser } from 'web-tree-sitter';

export function wasmPaths(): { runtime: string; python: string } {
  const here = typeof __dirname === 'string' ? __dirname : process.cwd();
  const besides = { runtime: join(here, 'tree-sitter.wasm'), python: join(here, 'tree-sitter-python.wasm') };
  if (existsSync(besides.runtime) && existsSync(besides.python)) return besides;
  // Resolved at run time, not by the bundler: these are data files, not modules.
  const resolveFrom = createRequire(typeof __filename === 'string' ? __filename : join(process.cwd(), 'index.js'));
  return {
    runtime: resolveFrom.resolve('web-tree-sitter/tree-sitter.wasm'),
    python: join(dirname(resolveFrom.resolve('tree-sitter-python/package.json')), 'tree-sitter-python.wasm'),
  };
}

let loading: Promise<Parser> | undefined;

/** A parser for Python, created on first use. */
export function pythonParser(): Promise<Parser> {
  loading ??= (async () => {
    const paths = wasmPaths();
    await Parser.init({ wasmBinary: readFileSync(paths.runtime) });
    const python = await Language.load(readFileSync(paths.python));
    return new Parser().setLanguage(python);
  })();
  loading.catch(() => (loading = undefined));
  return loading;
}
