import { basename } from "node:path";
import type { SourceFile } from "../book/types.js";
import { SourcesError } from "./errors.js";
import { isReservedName } from "./lock.js";
import { excerpt } from "../text/terminal.js";

/**
 * Refuse a book file name that is not a plain name (it would write outside the directory), has a
 * control character, or is reserved (the lock's own name, names of an object's prototype).
 */
export function checkFileName(f: SourceFile): void {
  const name = f.file;
  if (
    typeof name !== "string" ||
    name === "" ||
    name === "." ||
    name === ".." ||
    basename(name) !== name ||
    name.includes("\\") ||
    /[\x00-\x1f\x7f-\x9f]/.test(name)
  ) {
    throw new SourcesError("E_SOURCES_NAME", `the book's file name ${excerpt(String(name))} (${excerpt(String(f.name))}) is not a plain file name`, {
      file: String(name),
    });
  }
  if (isReservedName(name) || name.endsWith(".part") || name.endsWith(".guard")) {
    throw new SourcesError(
      "E_SOURCES_NAME",
      `the book's file name ${excerpt(name)} is reserved (the lock's own files, temporary names, JavaScript's __proto__, constructor, prototype)`,
      { file: name },
    );
  }
}

/**
 * Run `fn` on every item with at most `jobs` at once; results in the items' order. The first
 * rejection stops new items from starting and rejects once the running ones have settled.
 */
export async function runPool<T, R>(items: readonly T[], jobs: number, fn: (item: T, index: number) => Promise<R>, signal?: AbortSignal): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (failure === undefined && !signal?.aborted && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i]!, i);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, items.length)) }, worker));
  if (failure) throw failure.error;
  if (signal?.aborted) throw signal.reason;
  return results;
}
