// The ONNX protobuf schema (onnx.proto, a data file beside the bundle or this source) read with protobufjs.
import * as protobuf from 'protobufjs';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const SCHEMA_FILE = 'onnx.proto';
let modelType: protobuf.Type | undefined;

/** The folder holding onnx.proto: beside the bundle (dist/) or beside this source file. */
function schemaPath(): string {
  const path = join(__dirname, SCHEMA_FILE);
  if (!existsSync(path)) throw new Error(`the ONNX schema ${SCHEMA_FILE} is missing beside ${__dirname} (run npm run build)`);
  return path;
}

/** onnx.ModelProto, parsed once per process. */
export function modelProtoType(): protobuf.Type {
  if (!modelType) {
    const root = protobuf.parse(readFileSync(schemaPath(), 'utf8'), { keepCase: true }).root;
    modelType = root.lookupType('onnx.ModelProto');
  }
  return modelType;
}
