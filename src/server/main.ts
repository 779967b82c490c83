// The language server's entry point: `node dist/server.js --stdio` (or node-ipc when the VS Code client starts it).
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { NanDoctorServer } from './server.ts';

const connection = createConnection(ProposedFeatures.all);

// Whatever goes wrong with one file or message, the server keeps serving the others.
process.on('uncaughtException', (e) => connection.console.error(`unexpected: ${e.stack ?? e}`));
process.on('unhandledRejection', (e) => connection.console.error(`unexpected: ${(e as Error)?.stack ?? e}`));

new NanDoctorServer(connection).listen();
