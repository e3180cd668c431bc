import { test } from "node:test";
import assert from "node:assert/strict";
import { stepName } from "../../src/progress/step-name.js";
import { printable } from "../../src/text/terminal.js";

test("a section's RUN is shown as its section number and title", () => {
  const cases: Array<[string, string]> = [
    [
      "[host  5/27] RUN --network=none     --mount=type=tmpfs,target=/mnt/lfs/sources     --mount=type=bind,from=sources,source=gcc-14.2.0.tar.xz,target=/mnt/lfs/sources/gcc-14.2.0.tar.xz     <<'END_OF_SECTION' (# 5.3. GCC-14.2.0 - Pass 1...)",
      "[host 5/27] 5.3 GCC-14.2.0 - Pass 1",
    ],
    ["[linux/amd64 host 05/27] RUN --network=none <<'END_OF_SECTION' (# 4.3. Adding the LFS User...)", "[linux/amd64 host 05/27] 4.3 Adding the LFS User"],
    ["[iso-builder 3/6] RUN --network=none <<'END_OF_SECTION' (# lfs-docker: the initramfs...)", "[iso-builder 3/6] lfs-docker: the initramfs"],
    ["[system 12/80] RUN <<EOF (# 8.12. Tcl-8.6.16)", "[system 12/80] 8.12 Tcl-8.6.16"],
  ];
  for (const [name, shown] of cases) assert.equal(stepName(name), shown);
});

test("other names are kept, with the step label's spaces folded", () => {
  assert.equal(stepName("[host  1/27] FROM docker.io/lfs-docker/host:bookworm"), "[host 1/27] FROM docker.io/lfs-docker/host:bookworm");
  assert.equal(stepName("[internal] load build definition from Dockerfile"), "[internal] load build definition from Dockerfile");
  assert.equal(stepName("[host 2/3] RUN make (#!/bin/bash...)"), "[host 2/3] RUN make (#!/bin/bash...)");
  assert.equal(stepName("copy /context /"), "copy /context /");
});

test("control characters from the daemon never reach the terminal raw", () => {
  assert.equal(printable("a\x1b[2Jb\x07c\td\x9b"), "a\\x1b[2Jb\\x07c\td\\x9b");
  assert.equal(stepName("[host 2/3] RUN x <<'E' (# 5.1. \x1b]0;owned\x07Title...)"), "[host 2/3] 5.1 \\x1b]0;owned\\x07Title");
  assert.equal(stepName("evil\nname"), "evil\\x0aname");
});
