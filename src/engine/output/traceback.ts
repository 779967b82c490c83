// Python tracebacks quote source code (`raise ValueError("loss is nan")`, `assert not norm.isnan()`): those
// lines are not output. Only the exception line that ends a traceback says what happened.

// The header, or a frame line when the paste starts in the middle of a traceback.
const TRACEBACK_START = /^\s*Traceback \(most recent call last\):\s*$|^\s+File "[^"]+", line \d+, in /;
/** `ValueError: loss is nan`, `torch.OutOfMemoryError: …`, `FloatingPointError: …`: an exception and its message. */
const EXCEPTION_LINE = /^\s*(?:[A-Za-z_][\w]*\.)*[A-Z]\w*(?:Error|Exception|Interrupt|Exit)(?::\s|:?$)/;

// An exception name right after code (no space between): frames and the exception line joined by a paste.
const GLUED_EXCEPTION = /[)\]'"\w](?:[A-Za-z_]\w*\.)*[A-Z]\w*(?:Error|Exception):\s/;

export function isExceptionLine(text: string): boolean {
  return EXCEPTION_LINE.test(text);
}

/** Per rank: whether its output is inside a traceback's frames. */
export class TracebackState {
  private readonly inside = new Set<number | null>();

  /** True when the text is a traceback's header or one of its frames (indented), so it carries no event. */
  skip(text: string, rank: number | null): boolean {
    if (TRACEBACK_START.test(text)) {
      this.inside.add(rank);
      return true;
    }
    if (!this.inside.has(rank)) return false;
    // A paste that lost a newline glues the exception to the last frame's code: `    main(args)RuntimeError: …`.
    if (GLUED_EXCEPTION.test(text)) {
      this.inside.delete(rank);
      return false;
    }
    if (/^\s/.test(text)) return true;
    // The first line back at the margin ends the frames: the exception line (or other output).
    this.inside.delete(rank);
    return false;
  }
}
