// An argparse option that nothing in the run's Python reads: declared (with a default the run seems to use) but
// without effect, as in `parser.add_argument('--warmup_steps', default=4000)` with no scheduler using it.
import type { LocatedFile } from '../types';
import type { Setting } from './types';

/** True when `setting` is an argparse default and no Python file of the run reads its name. */
export function unreadOption(setting: Setting, files: LocatedFile[]): boolean {
  const { option, key } = setting.at;
  if (!option) return false;
  const python = files.filter((f) => f.namesRead !== undefined);
  if (!python.length) return false;
  return !python.some((f) => f.namesRead!.includes(key) || f.configReads?.some((r) => r.keyPath.split('.').pop() === key));
}
