// Groups an imported model's probes by module path (torch names ONNX nodes '/encoder/layer.0/attention/MatMul'),
// so a heatmap of a hundred nodes reads as a few dozen modules.
const MAX_GROUPS = 24;

/** The module path of a node name at `depth` segments ('/' for the model's own ops), or null for names that are not paths. */
function modulePath(layer: string, depth: number): string | null {
  if (!layer.startsWith('/')) return null;
  const segments = layer.split('/').filter(Boolean).slice(0, -1);
  return '/' + segments.slice(0, depth).join('/');
}

/** layer → its group, at the deepest module depth that keeps the groups to about two dozen; empty when names are not paths. */
export function moduleGroups(layers: string[]): Map<string, string> {
  const paths = layers.filter((l) => l.startsWith('/'));
  if (paths.length === 0 || paths.length < layers.length / 2) return new Map();
  let chosen = 1;
  for (let depth = 1; depth <= 6; depth++) {
    if (new Set(paths.map((l) => modulePath(l, depth))).size > MAX_GROUPS) break;
    chosen = depth;
  }
  return new Map(paths.map((l) => [l, modulePath(l, chosen)!]));
}

/** The name a row shows under its group's header: the node's path below the group. */
export function shortName(layer: string, group: string): string {
  const rest = group === '/' ? layer.slice(1) : layer.slice(group.length + 1);
  return rest || layer;
}
