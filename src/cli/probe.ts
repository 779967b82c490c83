import { UsageError, type CliIO } from './io';

export async function probeCommand(_args: string[], _io: CliIO): Promise<number> {
  throw new UsageError('probe is not implemented yet');
}
