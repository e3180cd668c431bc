/**
 * Credentials out of the addresses shown to people: `https://user:secret@host/` is shown as
 * `https://user:***@host/` (the user name alone as `***@`, it can be a token too).
 */

const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^/?#@\s]*)@/gi;

/** Every URL's user information in `text` replaced by `***` (the user name kept when a password follows). */
export function redactUrls(text: string): string {
  return text.replace(USERINFO, (_m, scheme: string, info: string) => {
    const colon = info.indexOf(":");
    return colon >= 0 ? `${scheme}${info.slice(0, colon)}:***@` : `${scheme}***@`;
  });
}

/** One address for a message: credentials redacted, control characters escaped by the caller. */
export function redactUrl(url: string): string {
  return redactUrls(url);
}
