// The stop rules and the "kept going after its NaN" clock, on runs in each state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { refusal, stopKind, stopsByItself } from '../../src/server/stop/rules.ts';
import { afterNaN } from '../../src/server/run-status.ts';
import { defaultSettings } from '../../src/server/settings.ts';
import type { Run } from '../../src/server/runs.ts';

const run = (over: Partial<Run> = {}): Run => ({ id: 'terminal:t1', kind: 'terminal', root: '/w', log: null, name: 'terminal: python train.py', scan: () => ({ log: 'x', formats: [], incident: null, steps: null }), lastOutputAt: 1000, ...over });
const stopSetting = { ...defaultSettings, onNonFinite: 'stop' as const };

test('stop only a run whose NaN persisted, in a trusted workspace, while it runs, once', () => {
  assert.match(refusal(run(), true)!, /no persistent non-finite value/, 'no incident (a recovered overflow is an event, never an incident)');
  assert.equal(refusal(run({ incidentAt: 500 }), true), null);
  assert.match(refusal(run({ incidentAt: 500 }), false)!, /untrusted workspace/);
  assert.match(refusal(run({ incidentAt: 500, endedAt: 900 }), true)!, /already ended/);
  assert.match(refusal(run({ incidentAt: 500, stopped: { run: 'r', id: 'i', how: 'terminal', by: 'user', message: 'm', at: 600 } }), true)!, /already stopped/);
  assert.match(refusal(undefined, true, 'x.log')!, /No run named x\.log/);
  // A log's run has no end of its own: its writer is looked for when asked.
  assert.equal(refusal(run({ kind: 'log', log: '/w/x.log', incidentAt: 500, endedAt: 900 }), true), null);
});

test('how each kind of run is stopped, and the stop setting', () => {
  assert.equal(stopKind(run({ incidentAt: 1 }), true), 'terminal');
  assert.equal(stopKind(run({ incidentAt: 1, task: 'train' }), true), 'task');
  assert.equal(stopKind(run({ incidentAt: 1, kind: 'notebook' }), true), 'notebook');
  assert.equal(stopKind(run({ incidentAt: 1, kind: 'log', log: '/w/x.log' }), true), 'process');
  assert.equal(stopKind(run({ incidentAt: 1 }), false), null);
  assert.equal(stopsByItself(run({ incidentAt: 1 }), defaultSettings, true), false, 'notify is the default');
  assert.equal(stopsByItself(run({ incidentAt: 1 }), stopSetting, true), true);
  assert.equal(stopsByItself(run({ incidentAt: 1 }), stopSetting, false), false);
  assert.equal(stopsByItself(run(), stopSetting, true), false);
});

test('how long the run kept going after its first NaN: to now while it runs, to its end, to its stop, to a log\'s last write', () => {
  assert.deepEqual(afterNaN(run({ incidentAt: 1000 }), 4000), { run: 'terminal: python train.py', keptGoingMs: 3000, running: true });
  assert.deepEqual(afterNaN(run({ incidentAt: 1000, endedAt: 2500 }), 9000), { run: 'terminal: python train.py', keptGoingMs: 1500, running: false });
  const stopped = { run: 'r', id: 'i', how: 'terminal' as const, by: 'setting' as const, message: 'm', at: 1200 };
  assert.equal(afterNaN(run({ incidentAt: 1000, stopped }), 9000).keptGoingMs, 200);
  const log = run({ kind: 'log', log: '/w/x.log', incidentAt: 1000, lastOutputAt: 61_000 });
  assert.deepEqual([afterNaN(log, 62_000).keptGoingMs, afterNaN(log, 62_000).running], [60_000, true]);
  assert.equal(afterNaN(log, 200_000).running, false, 'a log quiet for a while is no longer running');
});
