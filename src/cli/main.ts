// nan-doctor: the command-line face of NaN Doctor (../shared/contract.md).
import { UsageError, type CliIO, type Command } from './io';
import { scanCommand } from './scan';
import { diagnoseCommand } from './diagnose';
import { probeCommand } from './probe';

const commands: Record<string, Command> = { scan: scanCommand, diagnose: diagnoseCommand, probe: probeCommand };

const usage = `usage: nan-doctor <command> [options]

commands:
  scan [--format text|json|sarif] LOG...            find the first non-finite value of each run
  diagnose [DIR] [--log FILE]... [--config FILE]... [--probe] [--format text|json|sarif]
                                                     put diagnostics on the lines behind it
  probe --model M [--config FILE] [--data FILE] [--iterations N] [--set KEY=VALUE]... [--format json|html]
                                                     re-run the first iterations with per-layer probes`;

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    io.stdout(usage + '\n');
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    io.stderr(`nan-doctor: unknown command '${name}'\n${usage}\n`);
    return 2;
  }
  try {
    return await command(rest, io);
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
    (e) => { process.stderr.write(`nan-doctor: ${e instanceof Error ? e.stack : String(e)}\n`); process.exitCode = 2; },
  );
}
