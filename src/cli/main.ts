// nan-doctor: the command-line face of NaN Doctor (../shared/contract.md).
import { UsageError, type CliIO, type Command } from './io';
import { version } from '../../package.json';

// Loaded on demand: `scan` on a big log should not pay for the probe's and the locators' start-up.
const commands: Record<string, () => Promise<Command>> = {
  scan: async () => (await import('./scan.ts')).scanCommand,
  diagnose: async () => (await import('./diagnose.ts')).diagnoseCommand,
  probe: async () => (await import('./probe.ts')).probeCommand,
  snippet: async () => (await import('./snippet.ts')).snippetCommand,
};

const usage = `usage: nan-doctor <command> [options]
       nan-doctor --version

commands:
  scan [--format text|json|sarif] LOG...            find the first non-finite value of each run
  diagnose [DIR] [--log FILE]... [--config FILE]... [--probe] [--format text|json|sarif]
                                                     put diagnostics on the lines behind it
  probe --model M [--config FILE] [--data FILE] [--iterations N] [--set KEY=VALUE]... [--format json|html]
                                                     re-run the first iterations with per-layer probes
  snippet [DIR] [--log FILE]... [--config FILE]...  the Python that exports your training step for probe --model`;

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V') {
    io.stdout(`${version}\n`);
    return 0;
  }
  if (!name || name === '--help' || name === '-h') {
    io.stdout(usage + '\n');
    return name ? 0 : 2;
  }
  const load = commands[name];
  if (!load) {
    io.stderr(`nan-doctor: unknown command '${name}'\n${usage}\n`);
    return 2;
  }
  try {
    return await (await load())(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`nan-doctor ${name}: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

if (require.main === module) {
  const io: CliIO = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s), cwd: process.cwd() };
  main(process.argv.slice(2), io).then(
    (code) => { process.exitCode = code; },
    // One line that names what failed and why; never a stack trace (NAN_DOCTOR_DEBUG=1 prints it for a bug report).
    (e) => {
      const message = e instanceof Error ? e.message.split('\n')[0] : String(e);
      process.stderr.write(`nan-doctor: ${message}\n${process.env.NAN_DOCTOR_DEBUG && e instanceof Error ? `${e.stack}\n` : ''}`);
      process.exitCode = 2;
    },
  );
}
