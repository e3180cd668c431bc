import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { compilePatterns, matchesOrParentMatches, mayIncludeBelow, patternToRegExp, splitMetadataValues } from "../../src/buildkit/session/patterns.js";

describe(".dockerignore patterns", () => {
  const table: Array<[string[], string, boolean]> = [
    [["*.o"], "a.o", true],
    [["*.o"], "dir/a.o", false],
    [["**/*.o"], "dir/sub/a.o", true],
    [["**/*.o"], "a.o", true],
    [["build"], "build/x/y", true],
    [["build"], "buildx", false],
    [["build/"], "build/x", true],
    [["/build"], "build/x", true],
    [["./build"], "build", true],
    [["a?c"], "abc", true],
    [["a?c"], "a/c", false],
    [["**"], "anything/at/all", true],
    [["dir/**"], "dir/x/y", true],
    [["*", "!keep.txt"], "keep.txt", false],
    [["*", "!keep.txt"], "other.txt", true],
    [["*", "!keep.txt", "keep.txt"], "keep.txt", true],
    [["docs", "!docs/README.md"], "docs/README.md", false],
    [["docs", "!docs/README.md"], "docs/other.md", true],
    [["a.b"], "aXb", false],
    [["[ab].txt"], "b.txt", true],
    [["[ab].txt"], "c.txt", false],
    [["\\*.txt"], "*.txt", true],
    [["\\*.txt"], "a.txt", false],
    [["  spaced  "], "spaced", true],
  ];
  for (const [patterns, path, expected] of table) {
    it(`${JSON.stringify(patterns)} ${expected ? "selects" : "does not select"} ${path}`, () => {
      assert.equal(matchesOrParentMatches(compilePatterns(patterns), path), expected);
    });
  }

  it('rejects a lone "!"', () => {
    assert.throws(() => compilePatterns(["!"]), /illegal exclusion/);
  });

  it("translates ** the way patternmatcher does", () => {
    const re = patternToRegExp("a/**/b");
    assert.ok(re.test("a/b"));
    assert.ok(re.test("a/x/y/b"));
    assert.ok(!re.test("a/xb"));
    assert.ok(patternToRegExp("a/**").test("a/x/y"));
  });

  it("knows when an include pattern can reach below a directory", () => {
    const inc = compilePatterns(["src/lib/*.ts", "Dockerfile"]);
    assert.equal(mayIncludeBelow(inc, "src"), true);
    assert.equal(mayIncludeBelow(inc, "src/lib"), true);
    assert.equal(mayIncludeBelow(inc, "docs"), false);
    assert.equal(mayIncludeBelow(compilePatterns(["**/*.go"]), "any/dir"), true);
  });
});

describe("metadata values", () => {
  it("splits grpc-js joined values", () => {
    assert.deepEqual(splitMetadataValues(["Dockerfile, Dockerfile.dockerignore"], false), ["Dockerfile", "Dockerfile.dockerignore"]);
  });
  it("decodes URL-escaped values when -encoded is set", () => {
    assert.deepEqual(splitMetadataValues(["caf%C3%A9,a+b%2Cc"], true), ["café", "a b,c"]);
  });
});
