/**
 * What many test files set up the same way: temporary directories removed when the file's tests
 * end, and the `measured:` lines an integration test prints at its end (figures for the closing
 * notes, not assertions).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";

/** A maker of directories `<prefix>[<tag>-]XXXXXX` under the temporary directory, all removed after the file's tests. */
export function tempDirs(prefix: string): (tag?: string) => string {
  const made: string[] = [];
  after(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  });
  return (tag?: string) => {
    const dir = mkdtempSync(join(tmpdir(), tag ? `${prefix}${tag}-` : prefix));
    made.push(dir);
    return dir;
  };
}

/** Lines pushed during the tests, printed under `measured:` after the file's tests. */
export function measuredLines(): string[] {
  const lines: string[] = [];
  after(() => {
    if (lines.length) console.log(`measured:\n  ${lines.join("\n  ")}`);
  });
  return lines;
}
