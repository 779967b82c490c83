import { UsageError, type CliIO } from './io';

export async function diagnoseCommand(_args: string[], _io: CliIO): Promise<number> {
  throw new UsageError('diagnose is not implemented yet');
}
