import { UsageError, type CliIO } from './io';

export async function scanCommand(_args: string[], _io: CliIO): Promise<number> {
  throw new UsageError('scan is not implemented yet');
}
