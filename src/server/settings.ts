// The `nanDoctor.*` settings as the server sees them, with the defaults package.json declares.
import { defaultExclude, defaultLogGlobs } from '../engine/output/training-output.ts';

export interface ProbeSettings {
  enabled: boolean;
  /** `builtin:NAME`, a model.json / Keras JSON path, an ONNX training step (.onnx), or a JS module (trusted workspaces only); empty = the workspace's nan-doctor.json. */
  model: string;
  iterations: number;
  timeoutSeconds: number;
  memoryMb: number;
}

export interface Settings {
  logGlobs: string[];
  exclude: string[];
  watchTerminals: boolean;
  watchNotebooks: boolean;
  /** What to do once a run's NaN persists: tell the user and offer Stop training, or stop it right away. */
  onNonFinite: 'notify' | 'stop';
  probe: ProbeSettings;
}

export const defaultSettings: Settings = {
  logGlobs: defaultLogGlobs,
  exclude: defaultExclude,
  watchTerminals: true,
  watchNotebooks: true,
  onNonFinite: 'notify',
  probe: { enabled: true, model: '', iterations: 5, timeoutSeconds: 120, memoryMb: 2048 },
};

const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');
const positive = (v: unknown, fallback: number): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : fallback);

/** Reads whatever the client sent (possibly partial or wrong) into complete settings. */
export function readSettings(raw: unknown): Settings {
  const r = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const p = (r.probe && typeof r.probe === 'object' ? r.probe : {}) as Record<string, unknown>;
  const d = defaultSettings;
  return {
    logGlobs: isStringArray(r.logGlobs) ? r.logGlobs : d.logGlobs,
    exclude: isStringArray(r.exclude) ? r.exclude : d.exclude,
    watchTerminals: typeof r.watchTerminals === 'boolean' ? r.watchTerminals : d.watchTerminals,
    watchNotebooks: typeof r.watchNotebooks === 'boolean' ? r.watchNotebooks : d.watchNotebooks,
    onNonFinite: r.onNonFinite === 'stop' ? 'stop' : d.onNonFinite,
    probe: {
      enabled: typeof p.enabled === 'boolean' ? p.enabled : d.probe.enabled,
      model: typeof p.model === 'string' ? p.model : d.probe.model,
      iterations: Math.round(positive(p.iterations, d.probe.iterations)),
      timeoutSeconds: positive(p.timeoutSeconds, d.probe.timeoutSeconds),
      memoryMb: positive(p.memoryMb, d.probe.memoryMb),
    },
  };
}
