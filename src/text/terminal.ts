/**
 * Text from outside (daemons, servers, build logs, guests) made safe for a terminal: control
 * characters shown as escapes (`\x1b`), so that no escape sequence reaches the terminal raw.
 */

// C0 controls but tab, DEL, and the C1 controls (U+0080 to U+009F, which some terminals obey).
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;

/** One line for a terminal: every control character but tab as `\xNN`. */
export function printable(text: string): string {
  return text.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}
