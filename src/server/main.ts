// The language server; see issue 4.
