// The shapes that flow one way through NaN Doctor:
// training output → lines → events → incident → findings → diagnostics (→ probe → verified).
// Field names match ../shared/contract.md; add fields, never rename them.

/** What a non-finite value looked like in the output. */
export type NonFiniteValue = 'nan' | 'inf' | '-inf' | 'overflow' | 'error';

/** How the run went non-finite: a logged metric, a loss-scaler cascade, a framework error. */
export type IncidentKind = 'metric' | 'overflow' | 'error';

/** The things a training log says happened, in the user's words. */
export type EventKind =
  | 'step' // a training step/iteration with its metrics
  | 'validation'
  | 'evaluation'
  | 'checkpoint'
  | 'resume'
  | 'loss-scale' // the loss scale changed (a transient overflow that recovered is one of these)
  | 'overflow' // a loss-scaler overflow was reported
  | 'learning-rate' // the learning rate changed notably
  | 'grad-norm-spike'
  | 'error' // the framework raised a non-finite error
  | 'command'; // the command line that started the run

export interface TrainingEvent {
  /** 1-based line number, as `grep -n` counts (carriage-return redraws stay on their line). */
  line: number;
  kind: EventKind;
  /** The step/iteration counter the log shows (the epoch when it only shows epochs), else null. */
  step: number | null;
  /** Rank from a rank prefix (`[rank3]:`, `[1,0]<stdout>:`, `[R0]`), else null. */
  rank: number | null;
  /** Finite metric values on this event, by the log's own names. */
  metrics?: Record<string, number>;
  /** The first non-finite value on this event, if any. */
  nonFinite?: { metric: string; value: NonFiniteValue };
  /** Every non-finite metric on this event, in the order the log shows them (`nonFinite.metric` first). */
  nonFiniteNames?: string[];
  /** The epoch counter the log shows at this event (on its line or a header above it), else null. */
  epoch?: number | null;
  /** For loss-scale events: the new scale. */
  lossScale?: number;
  /** For overflow events: the scale the step was attempted at (`Attempted loss scale: 64, reducing to 32`). */
  lossScaleFrom?: number;
  /** For overflow events: the scale under which this scaler's cascade did not recover, when it is not 1. */
  lossScaleLow?: number;
  /** For command events: the command line. For errors: the message. */
  text?: string;
  /** Which format recognized it (a format's name). */
  format?: string;
  /** Its values are running means over several batches (Keras' bar past its first batch): a NaN there may be older. */
  meanOverBatches?: boolean;
  /** Notebooks: the 1-based index of the cell (among all cells) whose outputs printed it; `line` counts that cell's output lines. */
  cell?: number;
}

/** A notable event between the last finite step and the incident (contract: `before`). */
export interface BeforeEvent {
  line: number;
  step: number | null;
  event: EventKind;
  /** Notebooks: the cell whose outputs hold `line`. */
  cell?: number;
}

export interface Incident {
  line: number;
  step: number | null;
  metric: string | null;
  value: NonFiniteValue;
  kind: IncidentKind;
  rank: number | null;
  /** Nearest last. */
  before: BeforeEvent[];
  /** The epoch counter the log shows at the incident, or null (contract: added). */
  epoch: number | null;
  /** Every metric that is non-finite on the incident's line or record, `metric` first (contract: added). */
  nonFinite: string[];
  /** Notebooks (contract `cell`): the 1-based cell whose text outputs hold the incident; `line` is within them (the JSON says null for other files). */
  cell?: number;
  /** A metric other than the loss went non-finite first while the line's loss was still finite (added). */
  lossStillFinite?: boolean;
}

/** What `nan-doctor scan` reports for one log (one entry of contract `runs`). */
export interface RunScan {
  log: string;
  formats: string[];
  incident: Incident | null;
  steps: { first: number; last: number } | null;
  /** The command line that started the run, when the log shows it (used for discovery). */
  command?: string;
  /**
   * Whether a finite training step was logged before the incident (so at least one optimizer update ran
   * before it); null when the log cannot tell (the first non-finite value is a running mean over several
   * batches); undefined when the reader does not say. The rules then fall back on `steps` and the incident's step.
   */
  finiteStepBefore?: boolean | null;
  /** The learning rate the log showed at the incident (on its line, else the last one before it), when it shows one. */
  lrAtIncident?: number;
  /** The loss blew up just before the incident: `to` is the last finite loss, `from` the typical one before it (set with an incident). */
  lossBlewUp?: { line: number; from: number; to: number };
}

// ---- Positions and edits, 0-based as in the Language Server Protocol ----

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export interface TextEdit {
  range: Range;
  newText: string;
}

// ---- Located configuration ----

/** A configuration value found in a file, with the exact range of its value text. */
export interface LocatedValue {
  /** Workspace-relative (or as given) path of the file. */
  file: string;
  /** Dotted key path as the user wrote it, e.g. `solver.adam_epsilon`, `optimizer.params.eps`, `lr` (a kwarg). */
  keyPath: string;
  /** The last key, e.g. `adam_epsilon`. */
  key: string;
  /** The parsed value (number, string, boolean, null, or for non-literals the source text). */
  value: unknown;
  /** The value's source text exactly as written, e.g. `1.0e-8`, `"fp16"`. */
  text: string;
  /** Range of the value text (what a quick fix replaces). */
  range: Range;
  /** Range of the whole key: value line, for diagnostics that name the setting. */
  keyRange?: Range;
  /** How it was found: 'yaml' | 'json' | 'toml' | 'python' | 'shell' … */
  source: string;
  /** Set only when this config condition holds (a script line under `if cfg.x == "fp16":`, in `… if args.adam else …`). */
  when?: BranchCondition;
  /** An argparse option's default: the option (`--warmup_steps`), so a rule can tell whether anything reads it. */
  option?: string;
}

/**
 * A condition on config values that a script line runs under, by config key (`args.adam` → `adam`).
 * `unknown` is a condition that reads no config value (`if torch.cuda.is_available():`): it may hold or not.
 */
export type BranchCondition =
  | { op: 'and' | 'or'; args: BranchCondition[] }
  | { op: 'not'; arg: BranchCondition }
  | { op: 'eq'; key: string; value: string | number | boolean | null }
  | { op: 'contains'; key: string; value: string }
  | { op: 'truthy'; key: string }
  | { op: 'unknown'; text: string };

/** A fact about a training script found by the Python locator. */
export interface ScriptFact {
  file: string;
  kind:
    | 'validation-trigger' // an `if` that runs validation/evaluation on a step condition
    | 'half-cast' // `.half()` / `.to(dtype=torch.float16)` / `.to(weight_dtype)` with fp16 on a module
    | 'grad-scaler' // torch.cuda.amp.GradScaler / accelerator handles scaling
    | 'autocast'
    | 'clip-grad-norm' // clip_grad_norm_ / accelerator.clip_grad_norm_
    | 'optimizer' // an optimizer constructor call, e.g. torch.optim.AdamW(...)
    | 'config-default' // argparse `--config` default path
    | 'nan-guard' // torch.autograd.set_detect_anomaly / isfinite checks
    | 'shared-modules' // validation takes the training modules (unwrap_model) and changes or hands them on without a copy
    | 'numeric-hazard' // log of a probability, division by a sum that can be 0, … in loss code (config/python-hazards.ts)
    | 'cli-flag' // argparse `action="store_true"` without a default: the flag is off unless given
    | 'pretrained-model' // a pretrained model the script loads or names: `T5ForConditionalGeneration.from_pretrained("t5-large")`
    | 'forward-call' // a call in a module's forward (it runs under the trainer's autocast): `self.encode_text(texts)`
    | 'module-forward' // what a module's forward returns: `loss = self.loss_weight * rotated_iou_loss(…)`
    | 'uninitialized-parameter'; // `self.weight = Parameter(torch.Tensor(n, d))` that the module never initializes
  range: Range;
  /** The source text of the construct (trimmed to one line). */
  text: string;
  /** Kind-specific details, e.g. { hardcodedSteps: [1], everyKey: 'cfg.val.validation_steps' }. */
  detail?: Record<string, unknown>;
  /** The config condition the construct runs under (an optimizer built in `if opt.adam:`). */
  when?: BranchCondition;
}

/** Everything the locators read from one file. */
export interface LocatedFile {
  file: string;
  /** 'yaml' | 'json' | 'toml' | 'python' | 'shell' | … */
  language: string;
  values: LocatedValue[];
  facts: ScriptFact[];
  /** Python scripts: every place the script reads a config key (`cfg.solver.learning_rate` → `solver.learning_rate`). */
  configReads?: { keyPath: string; text: string; range: Range }[];
  /** Python: the names the file reads (identifiers, attribute names, short strings; ./config/python-names.ts). */
  namesRead?: string[];
  /** A clear message when the file could not be read or parsed (other files go on). */
  error?: string;
  /** The file's comments with their 0-based lines (where a setting's purpose is often written). */
  comments?: { line: number; text: string }[];
  /** Notebooks: the code cells were located as one Python text (`file` names it); `cells` maps its lines back. */
  notebook?: { file: string; cells: { cell: number; start: number; lines: number }[] };
}

// ---- Diagnostics (contract: `diagnostics`) ----

export type Severity = 'error' | 'warning' | 'information' | 'hint';

export type DiagnosticCode =
  | 'learning-rate'
  | 'warmup'
  | 'gradient-clipping'
  | 'optimizer-epsilon'
  | 'precision'
  | 'loss-scale'
  | 'validation-frequency'
  | 'data'
  | 'initialization'
  | 'loss-function'
  | 'validation-isolation'
  | 'first-nonfinite';

export interface Fix {
  title: string;
  /** Edits in `file` of the diagnostic unless `file` is given; `cell`: the notebook cell the range is in. */
  edits: (TextEdit & { file?: string; cell?: number })[];
}

export interface NanDiagnostic {
  file: string;
  range: Range;
  severity: Severity;
  code: DiagnosticCode;
  message: string;
  /** `cell`: for a notebook, the 1-based cell the line counts in (its source, or for the run's own lines its text outputs). */
  related: { file: string; line: number; message: string; cell?: number }[];
  fixes: Fix[];
  verified: boolean;
  /** Notebooks (added): the 1-based cell (among all cells) the range is in; the first-nonfinite diagnostic's range counts the cell's output lines. */
  cell?: number;
  /** Canonical hyperparameter change this diagnostic's fix amounts to, for the probe sweep (e.g. { adam_epsilon: 1e-6 }). */
  change?: Record<string, unknown>;
  /** When `verified`: whether the re-run used the user's model or a stand-in of its family (contract: added). */
  verifiedBy?: 'model' | 'stand-in';
}

// ---- Probe (contract: `probe`) ----

export type ProbePhase = 'input' | 'forward' | 'loss' | 'backward' | 'clip' | 'update' | 'optimizer-state' | 'validation';

export interface ProbePoint {
  iteration: number;
  layer: string;
  phase: ProbePhase;
}

export interface Counterfactual {
  change: Record<string, unknown>;
  /** null: not tested, because the model cannot express the change (`untestable` says why); never "still non-finite". */
  finite: boolean | null;
  untestable?: string;
  key?: string;
  file?: string;
  line?: number;
  firstNonFinite?: ProbePoint | null;
}

/** Per-layer statistics of one probed tensor group at one iteration and phase. */
export interface LayerStats {
  iteration: number;
  layer: string;
  phase: ProbePhase;
  min: number;
  max: number;
  mean: number;
  std: number;
  absMax: number;
  nanCount: number;
  infCount: number;
  /** log2(fp16 max / absMax): how many doublings are left before fp16 overflows. */
  fp16Headroom?: number;
  weightNorm?: number;
  updateRatio?: number;
  /** Its infinities come from a constant on purpose (an attention mask filled with -inf): only NaN counts there. */
  maskInfinities?: true;
}

/** A loss as JSON carries it: non-finite values are the strings "nan", "inf", "-inf" (contract). */
export type LossValue = number | 'nan' | 'inf' | '-inf';

export interface ProbeReport {
  version: 1;
  backend: 'tensorflow' | 'wasm' | 'cpu';
  iterations: number;
  layers: string[];
  firstNonFinite: ProbePoint | null;
  origin: ProbePoint | null;
  counterfactuals: Counterfactual[];
  /** Per-layer probe statistics (for the heatmap). */
  stats?: LayerStats[];
  /** Canonical hyperparameters the run used. */
  hyperparameters?: Record<string, unknown>;
  model?: string;
  /** The loss of each iteration run, in order (contract: `losses`). */
  losses?: LossValue[];
  /** The model is a stand-in of the task's family, built because none was given (contract: `standIn`). */
  standIn?: boolean;
  /** How the model was run where that is worth saying (a seeded dropout mask, say). */
  notes?: string[];
}

// ---- What the CLI and the language server report ----

/** `nan-doctor scan` output. */
export interface ScanResult {
  version: 1;
  runs: RunScan[];
}

/** A file that could not be read or parsed: reported, and the other files are still diagnosed. */
export interface FileError {
  file: string;
  message: string;
}

/** `nan-doctor diagnose` output. */
export interface DiagnoseResult extends ScanResult {
  diagnostics: NanDiagnostic[];
  probe: ProbeReport | null;
  errors?: FileError[];
}
