// Lets ES-module dependencies that read import.meta.url work inside the CommonJS bundles.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- this file is injected into CommonJS bundles
export const __import_meta_url = require('url').pathToFileURL(__filename).href;
