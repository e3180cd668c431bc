import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, symlink, writeFile, chmod } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import { GoMode, goModeFromPosix, kindOfGoMode, posixPermFromGoMode } from "../../src/buildkit/session/fsmode.js";
import { compareBytewise, walkDir } from "../../src/buildkit/session/walk.js";

describe("Go FileMode", () => {
  it("maps st_mode type bits to Go mode bits", () => {
    assert.equal(goModeFromPosix(0o040755), (GoMode.Dir | 0o755) >>> 0);
    assert.equal(goModeFromPosix(0o100644), 0o644);
    assert.equal(goModeFromPosix(0o120777), GoMode.Symlink | 0o777);
    assert.equal(goModeFromPosix(0o104755), GoMode.Setuid | 0o755);
    assert.equal(goModeFromPosix(0o041777), (GoMode.Dir | GoMode.Sticky | 0o777) >>> 0);
    assert.equal(goModeFromPosix(0o020666), GoMode.Device | GoMode.CharDevice | 0o666);
    assert.equal(kindOfGoMode(goModeFromPosix(0o010644)), "fifo");
    assert.ok(goModeFromPosix(0o040755) > 0, "unsigned");
  });
  it("drops setuid/setgid unless allowed", () => {
    const m = GoMode.Setuid | GoMode.Setgid | 0o755;
    assert.equal(posixPermFromGoMode(m, false), 0o755);
    assert.equal(posixPermFromGoMode(m, true), 0o6755);
  });
});

describe("walkDir", () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), "walk-"));
    await mkdir(join(root, "a/sub"), { recursive: true });
    await mkdir(join(root, "docs"));
    await writeFile(join(root, "a/sub/x.txt"), "x");
    await writeFile(join(root, "a.b"), "ab");
    await writeFile(join(root, "B"), "B");
    await writeFile(join(root, "docs/README.md"), "r");
    await writeFile(join(root, "docs/other.md"), "o");
    await writeFile(join(root, "Dockerfile.real"), "FROM scratch");
    await symlink("Dockerfile.real", join(root, "Dockerfile"));
    await writeFile(join(root, "é"), "e");
    await writeFile(join(root, "z"), "z");
    await chmod(join(root, "z"), 0o751);
  });
  after(async () => rm(root, { recursive: true, force: true }));

  it("lists depth-first, children bytewise, parents first, root omitted", async () => {
    const paths = (await walkDir(root)).map((e) => e.path);
    assert.deepEqual(paths, ["B", "Dockerfile", "Dockerfile.real", "a", "a/sub", "a/sub/x.txt", "a.b", "docs", "docs/README.md", "docs/other.md", "z", "é"]);
  });

  it("compares like Go strings", () => {
    assert.ok(compareBytewise("Z", "a") < 0);
    assert.ok(compareBytewise("\uffff", "\u{10000}") < 0); // UTF-16 order would say otherwise
  });

  it("fills the wire Stat", async () => {
    const entries = await walkDir(root);
    const z = entries.find((e) => e.path === "z")!;
    assert.equal(z.stat.mode, 0o751);
    assert.equal(z.stat.size, "1");
    assert.match(String(z.stat.modTime), /^\d{16,}$/);
    const link = entries.find((e) => e.path === "Dockerfile")!;
    assert.equal(link.stat.linkname, "Dockerfile.real");
    assert.equal(kindOfGoMode(link.stat.mode), "symlink");
    assert.equal(link.isFile, false);
    const dir = entries.find((e) => e.path === "a")!;
    assert.equal(kindOfGoMode(dir.stat.mode), "dir");
  });

  it("applies exclude patterns with exceptions, listing parents lazily", async () => {
    const paths = (await walkDir(root, { excludePatterns: ["docs", "!docs/README.md", "a", "*.b"] })).map((e) => e.path);
    assert.deepEqual(paths, ["B", "Dockerfile", "Dockerfile.real", "docs", "docs/README.md", "z", "é"]);
  });

  it("applies include patterns, listing only needed parents", async () => {
    const paths = (await walkDir(root, { includePatterns: ["a/sub/x.txt"] })).map((e) => e.path);
    assert.deepEqual(paths, ["a", "a/sub", "a/sub/x.txt"]);
  });

  it("follows symlinked followpaths to their targets", async () => {
    const paths = (await walkDir(root, { followPaths: ["Dockerfile", "Dockerfile.dockerignore"] })).map((e) => e.path);
    assert.deepEqual(paths, ["Dockerfile", "Dockerfile.real"]);
  });

  it("includes a whole directory named by an include pattern", async () => {
    const paths = (await walkDir(root, { includePatterns: ["docs"] })).map((e) => e.path);
    assert.deepEqual(paths, ["docs", "docs/README.md", "docs/other.md"]);
  });
});
