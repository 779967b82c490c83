// Keras 3 writes to_json() differently from Keras 2 (dtype policies, batch_shape, call-style inbound nodes);
// TensorFlow.js reads Keras 2's form, so Keras 3 JSON is rewritten into it first.
type Json = unknown;

function isObject(v: Json): v is Record<string, Json> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** [[layer, node, tensor, {}], …] from the keras_history of every tensor among a Keras 3 node's args. */
function historyOf(args: Json, out: Json[][]): Json[][] {
  if (Array.isArray(args)) for (const a of args) historyOf(a, out);
  else if (isObject(args)) {
    const history = isObject(args.config) ? args.config.keras_history : undefined;
    if (args.class_name === '__keras_tensor__' && Array.isArray(history)) out.push([history[0], history[1], history[2], {}]);
    else for (const v of Object.values(args)) historyOf(v, out);
  }
  return out;
}

function rewrite(v: Json): Json {
  if (Array.isArray(v)) return v.map(rewrite);
  if (!isObject(v)) return v;
  // A dtype policy object becomes its dtype name, e.g. "float32".
  if (typeof v.class_name === 'string' && /DTypePolicy$/.test(v.class_name) && isObject(v.config)) return v.config.name;
  const out: Record<string, Json> = {};
  for (const [k, val] of Object.entries(v)) {
    if (k === 'module' || k === 'registered_name' || k === 'build_config' || k === 'compile_config') continue;
    if (k === 'batch_shape') out.batch_input_shape = val;
    else if (k === 'inbound_nodes' && Array.isArray(val) && val.some((n) => isObject(n) && 'args' in n)) {
      out.inbound_nodes = val.map((n) => historyOf(isObject(n) ? n.args : [], []));
    } else out[k] = rewrite(val);
  }
  return out;
}

/** Whether a model JSON was written by Keras 3 (its objects carry "module" / "registered_name"). */
export function isKeras3(json: Record<string, unknown>): boolean {
  return 'module' in json || 'registered_name' in json;
}

export function keras3ToKeras2(json: Record<string, unknown>): Record<string, unknown> {
  return rewrite(json) as Record<string, unknown>;
}
