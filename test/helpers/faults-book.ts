/**
 * A book of the fault tests' own (the stages/ format, see stages/README.md), written into a directory:
 *   4.1 writes a payload of PAYLOAD MiB into $LFS (what the export carries),
 *   4.2 sleeps SLEEP seconds (the section a fault lands in), printing a line when it starts,
 *   7.1 is done by the engine (no RUN): the toolchain stage is `FROM scratch` + `COPY --from=host $LFS`,
 * so `--target toolchain` exports just $LFS: the payload and the book's directories.
 * No source files: nothing to download.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TEST_HOST_IMAGE } from "./engine.js";

export interface FaultsBookOptions {
  payloadMiB: number;
  sleepSeconds: number;
  /** Makes the book's steps differ from another book's (a fresh cache key), e.g. a test's name. */
  salt?: string;
}

/** The line 4.2 prints when it starts. */
export const SLOW_STARTED = "lfs-docker-faults: slow section started";

/** Writes the book into `parent/book` and returns that directory. */
export function writeFaultsBook(parent: string, o: FaultsBookOptions): string {
  const book = join(parent, "book");
  mkdirSync(join(book, "chapter04"), { recursive: true });
  mkdirSync(join(book, "chapter07"), { recursive: true });
  writeFileSync(
    join(book, "book.json"),
    JSON.stringify(
      {
        release: "faults",
        tag: "lfs-docker-faults",
        title: "lfs-docker fault tests",
        shell: "/bin/bash",
        pages: "https://example.invalid/faults/{chapter}-{page}",
        chapters: [
          {
            number: 4,
            title: "Preparing",
            sections: [
              { page: "payload", title: "Writing the payload", edition: "both" },
              { page: "slow", title: "A section that takes a while", edition: "both" },
            ],
          },
          { number: 7, title: "The new root", sections: [{ page: "enter", title: "Entering the new root", edition: "both" }] },
        ],
      },
      null,
      1,
    ),
  );
  writeFileSync(join(book, "sources.json"), JSON.stringify({ files: [] }));
  const salt = o.salt ? `# ${o.salt}\n` : "";
  writeFileSync(
    join(book, "chapter04", "4.1-payload.sh"),
    `${salt}mkdir -pv $LFS/etc $LFS/tmp\nhead -c ${o.payloadMiB}M /dev/zero > $LFS/payload.bin\nls -l $LFS/payload.bin\n`,
  );
  writeFileSync(join(book, "chapter04", "4.2-slow.sh"), `echo "${SLOW_STARTED}"\nsleep ${o.sleepSeconds}\necho "$LFS_ARCH" > $LFS/etc/slow-done\n`);
  writeFileSync(join(book, "chapter07", "7.1-enter.sh"), "# @container: the engine gives the new root its own /dev, /proc and /sys\n");
  return book;
}

/** `lfs-docker build` of the faults book up to 7.1, its toolchain stage exported into `out`, on `builder` if given. */
export function faultsBuildArgs(book: string, out: string, builder?: string): string[] {
  return [
    ...["build", "--book", book, "--until", "7.1", "--host-image", TEST_HOST_IMAGE],
    ...(builder === undefined ? [] : ["--builder", builder]),
    ...["--target", "toolchain", "--progress", "plain", "-o", out],
  ];
}
