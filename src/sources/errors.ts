import { LfsDockerError } from "../errors.js";

/**
 * Codes of the errors the sources functions raise (all are {@link SourcesError}s, so `LfsDockerError`s):
 *
 * - `E_SOURCES_DIR`: the directory cannot be created or written.
 * - `E_SOURCES_NOSPACE`: the disk filled up (ENOSPC, EDQUOT) while writing a file.
 * - `E_SOURCES_IO`: another file-system error while reading or writing a file.
 * - `E_SOURCES_FETCH`: a file could not be fetched from any of its addresses (each one's reason is listed).
 * - `E_SOURCES_LOCK`: the lock file cannot be read, or a file matches the book's MD5 but not the lock's SHA-256.
 * - `E_SOURCES_VERIFY`: `assertSourcesVerified` found missing or bad files.
 * - `E_SOURCES_NAME`: a file name of the book is not a plain file name.
 * - `E_SOURCES_ABORTED`: the caller's signal aborted the run.
 */
export type SourcesErrorCode =
  "E_SOURCES_DIR" | "E_SOURCES_NOSPACE" | "E_SOURCES_IO" | "E_SOURCES_FETCH" | "E_SOURCES_LOCK" | "E_SOURCES_VERIFY" | "E_SOURCES_NAME" | "E_SOURCES_ABORTED";

/** An error about the book's source files; `file` names the file (or directory) concerned, when there is one. */
export class SourcesError extends LfsDockerError {
  declare readonly code: SourcesErrorCode;
  readonly file: string | undefined;
  constructor(code: SourcesErrorCode, message: string, options?: { cause?: unknown; file?: string }) {
    super(code, message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "SourcesError";
    this.file = options?.file;
  }
}

/** The errno code of a Node.js system error, if it is one. */
export function errnoCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

const NO_SPACE = new Set(["ENOSPC", "EDQUOT"]);

/** Wrap a file-system error met doing `action` ("write", "read", ...) on `path`: a clear message naming the file. */
export function fsError(err: unknown, path: string, action: string): SourcesError {
  if (err instanceof SourcesError) return err;
  const code = errnoCode(err);
  if (code !== undefined && NO_SPACE.has(code)) {
    return new SourcesError(
      "E_SOURCES_NOSPACE",
      `cannot ${action} ${path}: no space left on the device (${code}); free some space and run the command again (partial downloads are kept as *.part files and resumed)`,
      { cause: err, file: path },
    );
  }
  const detail = err instanceof Error ? err.message : String(err);
  return new SourcesError("E_SOURCES_IO", `cannot ${action} ${path}: ${detail}`, { cause: err, file: path });
}
