// Glob patterns (`**`, `*`, `?`, `{a,b}`, `[abc]`) matched against workspace-relative posix paths.
// Small on purpose: the settings use only these forms, and the server should not carry a matcher library.

function translate(glob: string): string {
  let out = '';
  let depth = 0; // inside {…}
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        const atStart = i === 0 || glob[i - 1] === '/';
        const slashAfter = glob[i + 2] === '/';
        if (atStart && slashAfter) {
          out += '(?:[^/]*/)*'; // `**/` matches zero or more directories
          i += 2;
        } else {
          out += '.*';
          i += 1;
        }
      } else out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else if (c === '{') {
      depth++;
      out += '(?:';
    } else if (c === '}' && depth > 0) {
      depth--;
      out += ')';
    } else if (c === ',' && depth > 0) out += '|';
    else if (c === '[') {
      const close = glob.indexOf(']', i + 1);
      if (close < 0) out += '\\[';
      else {
        const body = glob.slice(i + 1, close).replace(/^!/, '^').replace(/\\/g, '\\\\');
        out += `[${body}]`;
        i = close;
      }
    } else out += c.replace(/[.+^$()|\\\]]/g, '\\$&');
  }
  return out;
}

export function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${translate(glob.replace(/^\.\//, ''))}$`);
}

/** One matcher for a list of globs; an empty list matches nothing. */
export function matcher(globs: string[]): (relPath: string) => boolean {
  const res = globs.map(globToRegExp);
  return (p) => {
    const posix = p.replace(/\\/g, '/');
    return res.some((re) => re.test(posix));
  };
}
