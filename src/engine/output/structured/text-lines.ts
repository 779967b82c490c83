// Reads a text file's newline-terminated lines with their 1-based numbers, streaming.
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { checkAborted } from './abort';

export interface NumberedLine {
  line: number;
  text: string;
  /** False for a last line without its newline (maybe still being written). */
  complete: boolean;
}

export async function* readLines(path: string, signal?: AbortSignal): AsyncGenerator<NumberedLine> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let line = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    checkAborted(signal);
    rest += decoder.write(chunk as Buffer);
    let start = 0;
    for (let nl = rest.indexOf('\n'); nl !== -1; nl = rest.indexOf('\n', start)) {
      line++;
      yield { line, text: rest.slice(start, nl).replace(/\r$/, ''), complete: true };
      start = nl + 1;
    }
    rest = rest.slice(start);
  }
  rest += decoder.end();
  if (rest !== '') yield { line: line + 1, text: rest.replace(/\r$/, ''), complete: false };
}
