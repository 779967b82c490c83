// The user's confirmation to signal one process: a one-time ticket for that run and that very process.
import { randomUUID } from 'node:crypto';
import type { Writer } from '../../engine/process/types.ts';

// A confirmation left open longer than this is stale: the process may have changed.
const TTL_MS = 5 * 60_000;

export class Tickets {
  private readonly open = new Map<string, { run: string; writer: Writer; expires: number }>();

  issue(run: string, writer: Writer): string {
    const ticket = randomUUID();
    this.open.set(ticket, { run, writer, expires: Date.now() + TTL_MS });
    return ticket;
  }

  /** The process the user confirmed for this run; each ticket is good once. */
  redeem(ticket: unknown, run: string): Writer | null {
    if (typeof ticket !== 'string') return null;
    const t = this.open.get(ticket);
    this.open.delete(ticket);
    return t && t.run === run && t.expires > Date.now() ? t.writer : null;
  }
}
