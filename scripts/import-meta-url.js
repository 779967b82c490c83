// Lets ES-module dependencies that read import.meta.url work inside the CommonJS bundles.
export const __import_meta_url = require('url').pathToFileURL(__filename).href;
