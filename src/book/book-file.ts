/**
 * The files of a book directory read safely: a section script, the kernel fragment or a JSON file
 * must be a regular file inside the book directory itself. A symbolic link, or a path that resolves
 * elsewhere, would pull a file of the host into the Dockerfile.
 */
import { lstatSync, realpathSync } from "node:fs";
import { sep } from "node:path";
import { BookError } from "../errors.js";
import { readBoundedText, ReadRefused } from "../fs/bounded-read.js";

/** Largest book file read (the biggest script of the real book is about 20 KiB; book.json about 60). */
export const MAX_BOOK_FILE = 4 << 20;

const ACCEPTED = "a regular file inside the book directory (not a symbolic link, device, FIFO or directory)";

/**
 * The text of `path`, a file of the book whose real directory is `realDir`; `shown` names it in
 * errors. Throws BookError when it is not a regular file inside the book, or too big.
 */
export function readBookFile(realDir: string, path: string, shown: string, maxBytes = MAX_BOOK_FILE): string {
  let kind: string | undefined;
  try {
    const s = lstatSync(path);
    if (s.isSymbolicLink()) kind = "a symbolic link";
    else if (!s.isFile()) kind = s.isDirectory() ? "a directory" : "a special file";
  } catch (err) {
    throw new BookError(shown, `cannot read it (${(err as NodeJS.ErrnoException).code ?? "error"}); expected ${ACCEPTED}`, { cause: err });
  }
  if (kind) throw new BookError(shown, `is ${kind}; expected ${ACCEPTED}`);
  const real = realpathSync.native(path);
  if (!real.startsWith(realDir + sep)) throw new BookError(shown, `resolves outside the book directory; expected ${ACCEPTED}`);
  try {
    return readBoundedText(path, { maxBytes, noFollow: true });
  } catch (err) {
    const why = err instanceof ReadRefused && err.code === "TOO_BIG" ? `larger than ${maxBytes} bytes` : (err as Error).message;
    throw new BookError(shown, `cannot read it: ${why}; expected ${ACCEPTED}`, { cause: err });
  }
}

/** The book directory's real path (symbolic links resolved), for `readBookFile`. */
export function realBookDir(dir: string): string {
  return realpathSync.native(dir);
}
