/**
 * A build report of realistic rows (LFS 12.3, sysv): chapters 2 and 4 cached, chapters 5 and 6
 * built, chapter 7 failing in 7.10 Python. Times as a 4-core builder takes them (1 SBU = 96.4 s).
 */
import type { BuildReport, ReportRow } from "../../src/report/build-report.js";

type Spec = [stage: string, section: string | undefined, title: string, seconds: number | null, bookSbu?: number];

const SPECS: Spec[] = [
  ["host", undefined, "FROM debian:12.11-slim AS host", null],
  ["host", "2.2", "Host System Requirements", null],
  ["host", "4.2", "Creating a Limited Directory Layout in the LFS Filesystem", null],
  ["host", "4.3", "Adding the LFS User", null],
  ["host", "5.2", "Binutils-2.44 - Pass 1", 96.4, 1],
  ["host", "5.3", "GCC-14.2.0 - Pass 1", 301.9, 3.2],
  ["host", "5.4", "Linux-6.13.4 API Headers", 8.2, 0.1],
  ["host", "5.5", "Glibc-2.41", 141.7, 1.4],
  ["host", "5.6", "Libstdc++ from GCC-14.2.0", 22.6, 0.2],
  ["host", "6.2", "M4-1.4.19", 14.1, 0.1],
  ["host", "6.3", "Ncurses-6.5", 38.3, 0.4],
  ["host", "6.4", "Bash-5.2.37", 21.8, 0.2],
  ["host", "6.5", "Coreutils-9.6", 33.5, 0.3],
  ["host", "6.6", "Diffutils-3.11", 12.9, 0.1],
  ["host", "6.7", "File-5.46", 10.2, 0.1],
  ["host", "6.8", "Findutils-4.10.0", 18.6, 0.2],
  ["host", "6.9", "Gawk-5.3.1", 11.4, 0.1],
  ["host", "6.10", "Grep-3.11", 15.3, 0.2],
  ["host", "6.11", "Gzip-1.13", 9.7, 0.1],
  ["host", "6.12", "Make-4.4.1", 5.9, 0.1],
  ["host", "6.13", "Patch-2.7.6", 10.8, 0.1],
  ["host", "6.14", "Sed-4.9", 11.6, 0.1],
  ["host", "6.15", "Tar-1.35", 15.0, 0.1],
  ["host", "6.16", "Xz-5.6.4", 12.2, 0.1],
  ["host", "6.17", "Binutils-2.44 - Pass 2", 44.8, 0.4],
  ["host", "6.18", "GCC-14.2.0 - Pass 2", 395.2, 4.1],
  ["toolchain", undefined, "COPY --from=host /mnt/lfs /", 26.3],
  ["toolchain", "7.5", "Creating Directories", 0.6],
  ["toolchain", "7.6", "Creating Essential Files and Symlinks", 0.5],
  ["toolchain", "7.7", "Gettext-0.24", 49.2, 0.4],
  ["toolchain", "7.8", "Bison-3.8.2", 19.5, 0.2],
  ["toolchain", "7.9", "Perl-5.40.1", 57.8, 0.6],
  ["toolchain", "7.10", "Python-3.13.2", 31.4, 0.5],
];

/** The sample report; `failed` marks 7.10 as the failed step with an outcome and a log tail. */
export function sampleReport(): BuildReport {
  const sbuSeconds = 96.4;
  const steps = new Map<string, number>();
  const rows: ReportRow[] = SPECS.map(([stage, section, title, seconds, bookSbu]) => {
    const step = (steps.get(stage) ?? 0) + 1;
    steps.set(stage, step);
    const instruction = title.startsWith("FROM") ? "FROM" : title.startsWith("COPY") ? "COPY" : "RUN";
    return {
      stage,
      step,
      ...(section !== undefined && { section }),
      title,
      instruction,
      vertex: `[${stage} ${String(step).padStart(2)}/40] ${instruction === "RUN" ? "RUN <<'END_OF_SECTION' (#!/bin/bash...)" : title}`,
      seconds,
      cached: seconds === null,
      failed: section === "7.10",
      sbu: seconds === null ? null : seconds / sbuSeconds,
      ...(bookSbu !== undefined && { bookSbu }),
    };
  });
  return {
    rows,
    totalSeconds: 1669.3,
    sbuSeconds,
    sbuSection: "5.2",
    outcome: {
      status: "failed",
      message: 'process "/bin/bash -c ..." did not complete successfully: exit code: 2',
      failed: {
        step: "[toolchain 7/40] RUN <<'END_OF_SECTION' (#!/bin/bash...)",
        section: "7.10",
        title: "Python-3.13.2",
        exitCode: 2,
        logTail: [
          "gcc -c -fno-strict-overflow -Wsign-compare -DNDEBUG -g -O3 -Wall -std=c11 -IInclude -I. -o Modules/_ssl.o Modules/_ssl.c",
          "Modules/_ssl.c:28:10: fatal error: openssl/ssl.h: No such file or directory",
          "   28 | #include <openssl/ssl.h> && <script>alert(1)</script>",
          "      |          ^~~~~~~~~~~~~~~",
          "compilation terminated.",
          "make: *** [Makefile:3224: Modules/_ssl.o] Error 1",
        ],
      },
      next: "to resume: run the same command again; every section that finished comes from BuildKit's cache",
    },
  };
}
