import type { SourceFile } from "../book/types.js";

/** What happened to one file during `fetchSources`; give `onProgress` to receive them. */
export type FetchEvent =
  /** The run begins: the files it will make sure of, in order. */
  | { readonly type: "plan"; readonly dir: string; readonly files: readonly SourceFile[] }
  /** A file is already in the directory and is being verified. */
  | { readonly type: "check"; readonly file: SourceFile }
  /** A file in the directory failed the book's MD5 and was deleted; it will be downloaded again. */
  | { readonly type: "replace"; readonly file: SourceFile; readonly reason: string }
  /** A transfer started (headers received). `offset`: bytes kept from an earlier partial download. */
  | {
      readonly type: "start";
      readonly file: SourceFile;
      readonly url: string;
      readonly offset: number;
      readonly total: number | undefined;
      readonly restarted: boolean;
    }
  /** Bytes arrived: `received` counts the whole file so far (including resumed bytes). */
  | { readonly type: "data"; readonly file: SourceFile; readonly received: number; readonly total: number | undefined }
  /** An attempt at `url` failed and will be made again after `delayMs`. */
  | { readonly type: "retry"; readonly file: SourceFile; readonly url: string; readonly attempt: number; readonly delayMs: number; readonly error: Error }
  /** `url` is given up for this file (not found, corrupt, unreachable); the next address is tried if there is one. */
  | { readonly type: "fallback"; readonly file: SourceFile; readonly url: string; readonly error: Error }
  /** The file is in place and verified. */
  | {
      readonly type: "done";
      readonly file: SourceFile;
      /** `present`: it was already there; `downloaded`: it was transferred in this run. */
      readonly status: "present" | "downloaded";
      readonly size: number;
      readonly sha256: string;
      /** Where it came from (downloaded files only). */
      readonly url?: string;
      /** `added`: its SHA-256 was written to the lock now; `matched`: it matched the lock. */
      readonly lock: "added" | "matched";
    }
  /** The file could not be fetched (the run goes on with the others, then rejects). */
  | { readonly type: "failed"; readonly file: SourceFile; readonly error: Error };

/** One file's outcome in a successful `fetchSources`. */
export interface FetchedFile {
  readonly source: SourceFile;
  /** Absolute path of the file. */
  readonly path: string;
  readonly status: "present" | "downloaded";
  readonly size: number;
  readonly md5: string;
  readonly sha256: string;
  /** The address it was downloaded from (after redirects), for downloaded files. */
  readonly url?: string;
  /**
   * Bytes received for it in this run, over every attempt and address (0 for present files; less
   * than `size` when an earlier run's partial file was resumed, more when attempts were wasted).
   */
  readonly transferred: number;
}

export interface FetchResult {
  /** The directory, absolute. */
  readonly dir: string;
  /** Path of the lock file. */
  readonly lockFile: string;
  readonly files: readonly FetchedFile[];
  /** Files transferred in this run. */
  readonly downloaded: number;
  /** Files that were already there and verified. */
  readonly present: number;
  /** Bytes received in this run (see `FetchedFile.transferred`). */
  readonly bytes: number;
  readonly elapsedMs: number;
}

/** The state of one file in a `verifySources` result. */
export type VerifyStatus =
  /** Matches the book's MD5 and, when the lock has it, the lock's SHA-256. */
  | "ok"
  /** Not in the directory. */
  | "missing"
  /** Does not match the book's MD5. */
  | "md5-mismatch"
  /** Matches the book's MD5 but not the SHA-256 in the lock. */
  | "sha256-mismatch"
  /** The lock records this file name with another MD5 than the book's. */
  | "lock-conflict"
  /** Cannot be read (not a regular file, permission denied, ...). */
  | "unreadable";

/** One file's result from `verifySources`. */
export interface VerifyResult {
  readonly source: SourceFile;
  /** Absolute path where the file is expected. */
  readonly path: string;
  readonly status: VerifyStatus;
  /** Whether the lock has an entry for the file that the file matches (false when it has none). */
  readonly locked: boolean;
  /** Size and digests of the file, when it could be read. */
  readonly size?: number;
  readonly md5?: string;
  readonly sha256?: string;
  /** For every status but `ok`: what is wrong, in a sentence naming the file. */
  readonly problem?: string;
}
