// A text format is data, lnav-style: a name, patterns with named captures, and what the captures mean.
import type { EventKind, NonFiniteValue } from '../../types';

/**
 * Named captures a pattern may use, and what each means:
 * - `step`: the step/iteration counter; `epoch`: the epoch counter (used as the step when no step is shown)
 * - `metrics`, `desc`: a region of key/value pairs, read with the format's `pairs`
 * - `metric` + `value`: one named value (errors); `key` + `value`: one metric; `scale`: the new loss scale; `message`: error text
 * - `total`: a progress bar's total (`?` when unknown)
 * - `phase`: `train` | `val` | `test` | `eval` (non-train phases are validation/evaluation events)
 * - `columns` (header patterns) / `values` (row patterns): a whitespace-separated table
 * - `nans`: a count of non-finite iterations (> 0 means non-finite); `skips`: a count of skipped (overflow) iterations
 */
export interface FormatSample {
  line: string;
  nonFinite?: string | null;
  step?: number | null;
  context?: string[];
}

export interface TextFormat {
  name: string;
  /** Cheap pre-check: the segment must contain one of these strings before any pattern is tried. */
  hints?: string[];
  /**
   * Words (case-insensitive) that make a line of this format non-finite without a `nan`/`inf` token in it
   * (`Invalid loss, terminating training`, `Current loss scale already at minimum`): the fast path searches for them.
   */
  words?: string[];
  /** Any pattern that matches claims the segment for this format (first format wins). */
  patterns: RegExp[];
  /** What a match reports; 'context' only updates the step/epoch/table header for later lines. */
  event?: EventKind | 'context';
  /**
   * How to read `metrics`/`desc` regions: `kv` (`k=v`, `k: v`, `'k': v`), `pipe` (`| key: v |`), `space` (`| key v |`),
   * `fields` (tab-separated `name: value`, names of up to two words).
   */
  pairs?: 'kv' | 'pipe' | 'space' | 'fields';
  /** For error/overflow formats: the non-finite value this line means, or 'from-capture' to read it from `value`. */
  nonFinite?: NonFiniteValue | 'from-message';
  /** For errors: the metric it names, when the capture does not. */
  metric?: string;
  /** Loss-scale lines: a new scale below this is an unrecovered cascade (an overflow incident). */
  minimumScale?: number;
  /**
   * Overflow lines: a cascade of overflows whose new scale falls below this did not recover (default 1: DeepSpeed,
   * apex and torch's scalers never need less; fairseq's goes on down to its --min-loss-scale).
   */
  lowScale?: number;
  /** Header patterns of a table format (YOLO-style): set the columns for following rows. */
  header?: RegExp;
  /** A matching line shows this format even when it carries no values (logging prefixes). */
  identifiesBare?: boolean;
  /** A progress bar (tqdm, Lightning): `total` (and `desc`) tell the training bar from nested ones. */
  progressBar?: boolean;
  /**
   * Its values are running means since the epoch began (Keras' progress bar): a non-finite value at batch k may
   * come from any of batches 1..k, so it does not say whether an update ran before the first non-finite one.
   */
  runningMean?: boolean;
  /** The line counts its `step` from 0 where progress lines count from 1 (Keras' `Batch 38: Invalid loss` is bar 39/N). */
  stepFromZero?: boolean;
  /** The row's step is the epoch (tables that only show epochs). */
  stepIsEpoch?: boolean;
  /** Keys that are the step in `key`/`value` rows besides the usual ones (stable-baselines' `n_updates`). */
  stepKeys?: RegExp;
  /**
   * Its rows form a table printed at once: every row is at the step one of its rows shows, above or below the
   * others (a row shown before its table's counter waits for it). A line matching this, the table's border, ends it.
   */
  tableBorder?: RegExp;
  /** Rows are recognized without their header line (its columns then go unnamed). */
  headerOptional?: boolean;
  /** A table row counts only when it has exactly one value per header column. */
  exactColumns?: boolean;
  /** A line that matches this says its values are averages over nothing (darknet's `count: 0`): none is a divergence. */
  emptyWhen?: RegExp;
  /**
   * Lines as real logs print them, which this entry must read (checked by test/output/format-samples.test.ts,
   * through the fast path and the full analyzer): `nonFinite` is the metric the line makes non-finite (null: it
   * names none), absent when the line is finite; `step` the step it shows; `context` lines that come first.
   */
  samples: FormatSample[];
}
