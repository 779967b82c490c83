// TOML locator: smol-toml checks the file and reads values; a small position-aware scan of
// `key = value` lines inside `[table]`s finds where each value is written.
import { parse, TomlError } from 'smol-toml';
import type { LocatedFile, LocatedValue } from '../types';
import { joinKey, LineIndex } from './text';

export function locateToml(file: string, text: string): LocatedFile {
  const result: LocatedFile = { file, language: 'toml', values: [], facts: [] };
  try {
    parse(text);
  } catch (e) {
    const where = e instanceof TomlError ? `line ${e.line}: ` : '';
    result.error = `invalid TOML in ${file}: ${where}${(e as Error).message.split('\n')[0]}`;
  }
  new TomlScan(file, text, result.values).run();
  return result;
}

class TomlScan {
  private pos = 0;
  private table = '';
  private readonly arrayTables = new Map<string, number>();
  private readonly index: LineIndex;

  constructor(
    private readonly file: string,
    private readonly text: string,
    private readonly out: LocatedValue[],
  ) {
    this.index = new LineIndex(text);
  }

  run(): void {
    const s = this.text;
    while (this.pos < s.length) {
      this.skipBlank(true);
      if (this.pos >= s.length) break;
      const lineEnd = this.lineEnd(this.pos);
      try {
        if (s[this.pos] === '[') this.readHeader(lineEnd);
        else this.readPair(this.table, lineEnd);
      } catch {
        // A line this scan cannot read (the parser above already reported why): go on with the next one.
      }
      this.pos = Math.max(this.pos, this.lineEnd(this.pos));
      if (this.pos < s.length && s[this.pos] === '\n') this.pos++;
    }
  }

  private readHeader(lineEnd: number): void {
    const s = this.text;
    const isArray = s.startsWith('[[', this.pos);
    this.pos += isArray ? 2 : 1;
    const keys = this.readKey(lineEnd);
    const name = keys.join('.');
    if (isArray) {
      const i = this.arrayTables.get(name) ?? 0;
      this.arrayTables.set(name, i + 1);
      this.table = `${name}[${i}]`;
    } else {
      this.table = name;
    }
    this.pos = lineEnd;
  }

  private readPair(prefix: string, limit: number): void {
    const keyStart = this.pos;
    const keys = this.readKey(limit);
    this.skipBlank(false);
    if (this.text[this.pos] !== '=') throw new Error('expected =');
    this.pos++;
    this.skipBlank(false);
    const path = keys.reduce((p, k) => joinKey(p, k), prefix);
    this.readValue(path, keyStart);
  }

  private readKey(limit: number): string[] {
    const s = this.text;
    const keys: string[] = [];
    for (;;) {
      this.skipBlank(false);
      const c = s[this.pos];
      if (c === '"' || c === "'") {
        const end = s.indexOf(c, this.pos + 1);
        if (end < 0 || end > limit) throw new Error('unterminated key');
        keys.push(s.slice(this.pos + 1, end));
        this.pos = end + 1;
      } else {
        const m = /^[A-Za-z0-9_-]+/.exec(s.slice(this.pos, limit));
        if (!m) throw new Error('bad key');
        keys.push(m[0]);
        this.pos += m[0].length;
      }
      this.skipBlank(false);
      if (s[this.pos] !== '.') return keys;
      this.pos++;
    }
  }

  /** Reads one value at pos, records the scalars in it, and leaves pos after it. */
  private readValue(path: string, keyStart: number | undefined): void {
    const s = this.text;
    const start = this.pos;
    const c = s[start];
    if (c === '[') {
      this.pos++;
      for (let i = 0; ; i++) {
        this.skipBlank(true);
        if (s[this.pos] === ']' || this.pos >= s.length) break;
        this.readValue(`${path}[${i}]`, undefined);
        this.skipBlank(true);
        if (s[this.pos] === ',') this.pos++;
      }
      this.pos++;
      return;
    }
    if (c === '{') {
      this.pos++;
      for (;;) {
        this.skipBlank(false);
        if (s[this.pos] === '}' || this.pos >= s.length) break;
        this.readPair(path, s.length);
        this.skipBlank(false);
        if (s[this.pos] === ',') this.pos++;
      }
      this.pos++;
      return;
    }
    let end: number;
    if (s.startsWith('"""', start) || s.startsWith("'''", start)) {
      const close = s.indexOf(s.slice(start, start + 3), start + 3);
      if (close < 0) throw new Error('unterminated string');
      end = close + 3;
      while (s[end] === c) end++;
    } else if (c === '"') {
      end = start + 1;
      while (end < s.length && s[end] !== '"' && s[end] !== '\n') end += s[end] === '\\' ? 2 : 1;
      end++;
    } else if (c === "'") {
      end = s.indexOf("'", start + 1) + 1;
      if (end <= 0) throw new Error('unterminated string');
    } else {
      const m = /^[^,\]}#\n\r]*/.exec(s.slice(start));
      end = start + (m ? m[0].trimEnd().length : 0);
      if (end === start) throw new Error('missing value');
    }
    this.pos = end;
    const raw = s.slice(start, end);
    this.out.push(this.index.located(this.file, path, readScalar(raw), start, end, 'toml', keyStart));
  }

  private skipBlank(newlines: boolean): void {
    const s = this.text;
    while (this.pos < s.length) {
      const c = s[this.pos];
      if (c === ' ' || c === '\t' || c === '\r' || (newlines && c === '\n')) this.pos++;
      else if (c === '#' && newlines) this.pos = this.lineEnd(this.pos);
      else break;
    }
  }

  private lineEnd(from: number): number {
    const i = this.text.indexOf('\n', from);
    return i < 0 ? this.text.length : i;
  }
}

// One scalar through the real parser, so escapes, underscores, dates and inf/nan mean what TOML says.
function readScalar(raw: string): unknown {
  try {
    const v = parse(`v = ${raw}`).v;
    return v instanceof Date ? raw : v;
  } catch {
    return raw;
  }
}
