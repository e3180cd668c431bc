/**
 * The one rule for every value that enters the Dockerfile from options or a book: refuse (never
 * transform) what could end a line, a heredoc or a quoted string there. A valid value passes
 * unchanged, so the generated Dockerfiles stay byte for byte what they were.
 */

/** The heredoc delimiters of the templates (templates/): a line holding one alone ends a heredoc. */
export const HEREDOC_DELIMITERS = ["END_OF_SECTION", "MD5SUMS", "END_OF_FILE"] as const;

/**
 * Where a value goes: `line`, within one line (a comment, an instruction's argument); `quoted`, also
 * inside double quotes (a shell or JSON string: no quote, backslash, `$` or backtick); `text`, a
 * multi-line text inside a heredoc (a section script, a kernel fragment).
 */
export type ValueKind = "line" | "quoted" | "text";

// Every C0 control, DEL, the C1 controls, and the Unicode line and paragraph separators.
const CONTROL_LINE = /[\x00-\x1f\x7f-\x9f\u2028\u2029]/;
// In a text: the same but newline and tab.
const CONTROL_TEXT = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]/;
const QUOTE_BREAKERS = /["\\$`]/;

const hex = (c: string) => `U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;

/** Why `value` cannot go into the Dockerfile as a `kind`, or undefined when it can. */
export function dockerfileProblem(value: string, kind: ValueKind): string | undefined {
  if (typeof value !== "string") return "not a string";
  const control = (kind === "text" ? CONTROL_TEXT : CONTROL_LINE).exec(value);
  if (control) {
    const what = control[0] === "\n" ? "a line break" : `the control character ${hex(control[0])}`;
    return `${what} at character ${control.index + 1}`;
  }
  if (kind === "quoted") {
    const q = QUOTE_BREAKERS.exec(value);
    if (q) return `the character ${q[0]} at character ${q.index + 1}, which would end or expand a quoted string`;
  }
  if (kind === "text") {
    const lines = value.split("\n");
    const i = lines.findIndex((l) => (HEREDOC_DELIMITERS as readonly string[]).includes(l.trim()));
    if (i >= 0) return `line ${i + 1} reads ${lines[i]!.trim()}, which ends a heredoc of the Dockerfile`;
  }
  return undefined;
}

/**
 * `value` unchanged when it can go into the Dockerfile as a `kind`; otherwise throws what `refuse`
 * makes of the reason (an OptionError for an option, a BookError for book data).
 */
export function dockerfileValue(value: string, kind: ValueKind, refuse: (reason: string) => Error): string {
  const problem = dockerfileProblem(value, kind);
  if (problem !== undefined) throw refuse(problem);
  return value;
}
