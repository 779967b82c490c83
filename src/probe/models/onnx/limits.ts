// Limits on what an ONNX file may ask for: it is data from the workspace, so it must not exhaust the worker.
export const MAX_ONNX_FILE_BYTES = 256 * 1024 * 1024;
export const MAX_ONNX_NODES = 20_000;
/** Elements of any one tensor: an initializer, a constant, or a shape a node asks to build (64M float32 values = 256 MB). */
export const MAX_TENSOR_ELEMENTS = 64 * 1024 * 1024;

/** The element count of a shape, refusing one over MAX_TENSOR_ELEMENTS with `what` named. */
export function checkedSize(shape: readonly number[], what: string): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`${what} has an invalid dimension ${d} in [${shape.join(', ')}]`);
    n *= d;
  }
  if (n > MAX_TENSOR_ELEMENTS) throw new Error(`${what} would hold ${n} values (shape [${shape.join(', ')}]), over the limit of ${MAX_TENSOR_ELEMENTS}`);
  return n;
}
