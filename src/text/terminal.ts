/**
 * Text from outside (daemons, servers, build logs, guests) made safe for a terminal: control
 * characters shown as escapes (`\x1b`), so that no escape sequence reaches the terminal raw.
 */

// C0 controls but tab, DEL, and the C1 controls (U+0080 to U+009F, which some terminals obey).
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;
// The Unicode line and paragraph separators and the bidirectional overrides, which reorder what a
// terminal or an editor shows.
const INVISIBLE = /[\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** One line for a terminal: every control character but tab as `\xNN`, bidi overrides as `\uNNNN`. */
export function printable(text: string): string {
  return text
    .replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`)
    .replace(INVISIBLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Longest excerpt of a bad value an error message shows. */
export const EXCERPT_LENGTH = 60;

/**
 * A value quoted for an error message: at most `max` characters (then `...` and the full length),
 * JSON-quoted and printable, so a hostile value can neither flood nor drive the terminal.
 */
export function excerpt(value: string, max = EXCERPT_LENGTH): string {
  const chars = [...value];
  const short = chars.length > max ? chars.slice(0, max).join("") : value;
  const quoted = printable(JSON.stringify(short));
  return chars.length > max ? `${quoted}... (${chars.length} characters)` : quoted;
}
