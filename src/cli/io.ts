// What a CLI command needs from the outside world, so tests can run commands in-process.
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  cwd: string;
}

/** A usage error or unreadable input: exit status 2 with one clear line on stderr. */
export class UsageError extends Error {}

export type Command = (args: string[], io: CliIO) => Promise<number>;
