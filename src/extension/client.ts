// Starts the language server (dist/server.js over node-ipc) with the settings and trust it needs.
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';

// Files whose text the server reads from the editor (unsaved edits count); logs are read from disk.
const configLanguages = ['yaml', 'json', 'jsonc', 'toml', 'python', 'shellscript', 'ini', 'properties'];

export function createClient(context: vscode.ExtensionContext, outputChannel: vscode.LogOutputChannel): LanguageClient {
  const module = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: configLanguages.map((language) => ({ scheme: 'file', language })),
    outputChannel,
    initializationOptions: { trusted: vscode.workspace.isTrusted },
  };
  return new LanguageClient('nanDoctor', 'NaN Doctor', serverOptions, clientOptions);
}
