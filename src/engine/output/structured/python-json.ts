// JSON as Python's json module writes it: NaN, Infinity and -Infinity allowed; each object's line kept.

export interface PythonJson {
  value: unknown;
  /** 1-based line of each object's opening brace. */
  lineOf: WeakMap<object, number>;
}

export class PythonJsonError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
  }
}

export function parsePythonJson(text: string): PythonJson {
  const lineOf = new WeakMap<object, number>();
  let pos = 0;
  let line = 1;
  const fail = (what: string): never => {
    throw new PythonJsonError(pos >= text.length ? `unexpected end of file (${what})` : `${what} at '${text.slice(pos, pos + 12)}'`, line);
  };
  const space = () => {
    for (; pos < text.length; pos++) {
      const c = text[pos];
      if (c === '\n') line++;
      else if (c !== ' ' && c !== '\t' && c !== '\r') return;
    }
  };
  const literal = (word: string, v: unknown) => {
    if (!text.startsWith(word, pos)) fail('expected a value');
    pos += word.length;
    return v;
  };
  const string = (): string => {
    const start = pos;
    pos++;
    for (; pos < text.length; pos++) {
      const c = text[pos];
      if (c === '\\') pos++;
      else if (c === '"') {
        pos++;
        try {
          return JSON.parse(text.slice(start, pos)) as string;
        } catch {
          return fail('bad string');
        }
      } else if (c === '\n') fail('newline inside a string');
    }
    return fail('unterminated string');
  };
  const number = (): number => {
    const m = /^-?(Infinity|NaN|\d+(\.\d+)?([eE][-+]?\d+)?)/.exec(text.slice(pos, pos + 40));
    if (!m) return fail('expected a value');
    pos += m[0].length;
    return m[1] === 'Infinity' ? (m[0][0] === '-' ? -Infinity : Infinity) : Number(m[0]);
  };
  const value = (): unknown => {
    space();
    const c = text[pos];
    if (c === '{') {
      const obj: Record<string, unknown> = {};
      lineOf.set(obj, line);
      pos++;
      space();
      if (text[pos] === '}') {
        pos++;
        return obj;
      }
      for (;;) {
        space();
        if (text[pos] !== '"') fail('expected a key');
        const k = string();
        space();
        if (text[pos] !== ':') fail("expected ':'");
        pos++;
        obj[k] = value();
        space();
        if (text[pos] === ',') pos++;
        else if (text[pos] === '}') {
          pos++;
          return obj;
        } else fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      const arr: unknown[] = [];
      pos++;
      space();
      if (text[pos] === ']') {
        pos++;
        return arr;
      }
      for (;;) {
        arr.push(value());
        space();
        if (text[pos] === ',') pos++;
        else if (text[pos] === ']') {
          pos++;
          return arr;
        } else fail("expected ',' or ']'");
      }
    }
    if (c === '"') return string();
    if (c === 't') return literal('true', true);
    if (c === 'f') return literal('false', false);
    if (c === 'n') return literal('null', null);
    if (c === 'N') return literal('NaN', NaN);
    return number();
  };
  const result = value();
  space();
  if (pos < text.length) fail('unexpected text after the end');
  return { value: result, lineOf };
}
