// INI / setup.cfg locator: `[section]` then `key = value` or `key: value`; `#` and `;` start comments.
import type { LocatedFile, LocatedValue } from '../types';
import { joinKey, lastKey, LineIndex, parseScalar } from './text';

export function locateIni(file: string, text: string): LocatedFile {
  const index = new LineIndex(text);
  const values: LocatedValue[] = [];
  let section = '';
  let offset = 0;
  for (const line of text.split('\n')) {
    const header = /^\s*\[([^\]]+)\]/.exec(line);
    const pair = /^(\s*)([^=:#;\s[][^=:]*?)\s*[=:]\s*/.exec(line);
    if (header) {
      section = header[1].trim();
    } else if (pair) {
      const start = pair[0].length;
      // An inline comment needs whitespace before it, as configparser's inline_comment_prefixes do.
      const rest = line.slice(start).replace(/\s+[#;].*$/, '').replace(/\s+$/, '');
      if (rest) {
        const keyPath = joinKey(section, pair[2].trim());
        values.push({
          file,
          keyPath,
          key: lastKey(keyPath),
          value: parseScalar(rest),
          text: rest,
          range: index.range(offset + start, offset + start + rest.length),
          keyRange: index.range(offset + pair[1].length, offset + start + rest.length),
          source: 'ini',
        });
      }
    }
    offset += line.length + 1;
  }
  return { file, language: 'ini', values, facts: [] };
}
