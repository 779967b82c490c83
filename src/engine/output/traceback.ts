// Python tracebacks quote source code (`raise ValueError("loss is nan")`, `assert not norm.isnan()`): those
// lines are not output. Only the exception line that ends a traceback says what happened.

// The header, or a frame line when the paste starts in the middle of a traceback.
const TRACEBACK_START = /^\s*Traceback \(most recent call last\):\s*$|^\s+File "[^"]+", line \d+, in /;
/** `ValueError: loss is nan`, `torch.OutOfMemoryError: …`, `FloatingPointError: …`: an exception and its message. */
const EXCEPTION_LINE = /^\s*(?:[A-Za-z_][\w]*\.)*[A-Z]\w*(?:Error|Exception|Interrupt|Exit)(?::\s|:?$)/;

// An exception name right after code (no space between): frames and the exception line joined by a paste.
const GLUED_EXCEPTION = /[)\]'"\w](?:[A-Za-z_]\w*\.)*[A-Z]\w*(?:Error|Exception):\s/;

/** The exception a paste glued to a frame's code, from its name on; null when there is none. An exception line of its
 * own is read whole (`FloatingPointError: …` is no `g` glued to `PointError`). Only asked inside a traceback. */
function gluedException(text: string): string | null {
  if (EXCEPTION_LINE.test(text)) return null;
  const glued = GLUED_EXCEPTION.exec(text);
  return glued ? text.slice(glued.index + 1) : null;
}

export function isExceptionLine(text: string): boolean {
  return EXCEPTION_LINE.test(text);
}

/** Per rank: whether its output is inside a traceback's frames. */
export class TracebackState {
  private readonly inside = new Set<number | null>();

  /**
   * What of the text is output: null for a traceback's header and frames (indented), which carry no event; the
   * exception alone when a paste glued it to the frames' code (`    main(args)RuntimeError: …`, or a whole traceback
   * pasted on one line), so code the frames quote is never read.
   */
  output(text: string, rank: number | null): string | null {
    const starts = TRACEBACK_START.test(text);
    if (!starts && !this.inside.has(rank)) return text;
    const tail = gluedException(text);
    if (tail !== null) {
      this.inside.delete(rank);
      return tail;
    }
    if (starts) {
      this.inside.add(rank);
      return null;
    }
    if (/^\s/.test(text)) return null;
    // The first line back at the margin ends the frames: the exception line (or other output).
    this.inside.delete(rank);
    return text;
  }
}
