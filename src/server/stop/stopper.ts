// Stop training: a log's writer gets SIGINT from here (after the user's confirmation, or by the `stop`
// setting); a terminal command, a task or a notebook cell is interrupted by the client, which the server asks.
import type { Connection } from 'vscode-languageserver/node';
import { interruptProcess, waitForExit } from '../../engine/process/signal.ts';
import type { Writer } from '../../engine/process/types.ts';
import { findWriters, singleWriter } from '../../engine/process/writers.ts';
import * as protocol from '../../protocol/messages.ts';
import type { Run } from '../runs.ts';
import type { Settings } from '../settings.ts';
import { refusal, stopKind } from './rules.ts';
import { Tickets } from './tickets.ts';

export interface StopperContext {
  connection: Connection;
  find(id: string): Run | undefined;
  trusted(): boolean;
  settings(): Settings;
  /** The run's stop state or end changed: tell the client. */
  changed(run: Run): void;
}

/** A command line on one line and not too long, for a message. */
const brief = (command: string) => {
  const one = command.replace(/\s+/g, ' ').trim();
  return one.length > 160 ? `${one.slice(0, 159)}…` : one;
};

// How long the stopped writer has to save and exit before the run's end is taken as the stop itself.
const EXIT_WAIT_MS = 30_000;

export class Stopper {
  private readonly tickets = new Tickets();
  /** The user's own uid: only processes of this user are ever signalled. */
  private readonly uid = process.getuid?.() ?? -1;

  constructor(private readonly ctx: StopperContext) {}

  /** Stop training, as the user asked (`by: 'user'`) or as `nanDoctor.onNonFinite: stop` says (`by: 'setting'`). */
  async stop(params: protocol.StopTrainingParams, by: 'user' | 'setting'): Promise<protocol.StopTrainingResponse> {
    const id = typeof params?.run === 'string' ? params.run : '';
    const run = this.ctx.find(id);
    const refused = refusal(run, this.ctx.trusted(), id || 'that run');
    if (refused || !run) return { outcome: 'refused', message: refused ?? `No run named ${id} is watched.` };
    const how = stopKind(run, true)!;
    if (how === 'process') return this.stopWriter(run, by, params.ticket);
    let answer: protocol.InterruptResponse;
    try {
      answer = await this.ctx.connection.sendRequest(protocol.Interrupt, { run: run.id, how });
    } catch (e) {
      return { outcome: 'refused', message: `The editor could not interrupt ${run.name}: ${(e as Error).message}` };
    }
    if (!answer?.done) return { outcome: 'refused', message: answer?.message || `${run.name} could not be interrupted.` };
    return { outcome: 'stopped', stopped: this.mark(run, how, by, answer.message) };
  }

  private async stopWriter(run: Run, by: 'user' | 'setting', ticket: unknown): Promise<protocol.StopTrainingResponse> {
    const choice = singleWriter(await findWriters(run.log!), run.name, this.uid);
    if ('reason' in choice) return { outcome: 'refused', message: choice.reason };
    const found = choice.writer;
    let target: Writer = found;
    if (by === 'user') {
      // Nothing is signalled without the user's yes to this very process.
      if (ticket === undefined) {
        const message = `Stop training? NaN Doctor sends SIGINT (what Ctrl+C sends, so the run can save a checkpoint) to PID ${found.pid}, which writes ${run.name}${found.through ? ` through ${found.through.name}` : ''}.`;
        return { outcome: 'confirm', pid: found.pid, command: found.command, message, ticket: this.tickets.issue(run.id, found) };
      }
      const confirmed = this.tickets.redeem(ticket, run.id);
      if (!confirmed) return { outcome: 'refused', message: 'That confirmation is no longer valid: choose Stop training again.' };
      if (confirmed.pid !== found.pid || confirmed.startTime !== found.startTime) return { outcome: 'refused', message: `${run.name} is now written by another process (PID ${found.pid}); nothing was signalled. Choose Stop training again.` };
      target = confirmed;
    }
    const sent = await interruptProcess(target, this.uid);
    if (!sent.sent) return { outcome: 'refused', message: sent.reason };
    const stopped = this.mark(run, 'process', by, `Sent SIGINT to PID ${target.pid} (${brief(target.command)}), which writes ${run.name}`);
    // The run's end is when the writer exits (or gives up saving); the status says so.
    void waitForExit(target.pid, EXIT_WAIT_MS).then(() => {
      run.endedAt = Date.now();
      this.ctx.changed(run);
    });
    return { outcome: 'stopped', stopped };
  }

  private mark(run: Run, how: protocol.StopKind, by: 'user' | 'setting', what: string): protocol.StoppedParams {
    const inc = run.scan().incident;
    const nan = inc ? `${inc.metric ?? 'a value'} went ${inc.value}${inc.step === null ? '' : ` at step ${inc.step}`}` : 'it went non-finite';
    const why = by === 'setting' ? `because nanDoctor.onNonFinite is "stop" and ${nan}` : `because ${nan}`;
    run.stopped = { run: run.name, id: run.id, how, by, message: `${what.replace(/\.$/, '')} ${why}.`, at: Date.now() };
    this.ctx.changed(run);
    return run.stopped;
  }
}
