/**
 * `type=oci,tar=false,dest=DIR`: the daemon sends the OCI image layout as a tar (the session's only
 * way for it); this unpacks it into a new directory as it arrives. An OCI layout holds `oci-layout`,
 * `index.json` and `blobs/<alg>/<hex>`: only regular files and directories under relative names are
 * accepted, each created new (never through a link, never over a file), so a hostile stream can write
 * nothing outside the directory.
 */
import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join, posix } from "node:path";
import { pipeline } from "node:stream/promises";
import { Writable, type Readable } from "node:stream";

import tar from "tar-stream";

export interface LayoutUnpacker {
  /** Where the daemon's tar goes. Its end resolves once every file is on disk. */
  stream: Writable;
  /** Files written. */
  files(): number;
}

/** A safe relative path inside the layout, or an error naming the entry. */
export function layoutPath(name: string): string {
  const n = posix.normalize(name.replace(/^\.\/+/, ""));
  if (n === "" || n === "." || n.startsWith("/") || n === ".." || n.startsWith("../") || n.includes("\0")) {
    throw new Error(`the OCI layout holds an entry outside its directory: ${JSON.stringify(name)}`);
  }
  return n.replace(/\/$/, "");
}

/** Unpacks into `dir`, which must exist and be empty (the caller's staging directory). */
export function unpackLayout(dir: string): LayoutUnpacker {
  const extract = tar.extract();
  let count = 0;
  let failure: Error | undefined;
  // Every entry's work, in order: the stream ends only when the last file is on disk.
  let work = Promise.resolve();
  extract.on("entry", (header, entry, next) => {
    const body = entry as unknown as Readable;
    work = work.then(async () => {
      if (failure) return;
      try {
        await writeEntry(dir, header, body);
        if (header.type === "file") count++;
        next();
      } catch (err) {
        failure ??= err as Error;
        body.resume();
        extract.destroy(failure);
      }
    });
  });
  const finished = new Promise<void>((resolve, reject) => {
    extract.on("finish", resolve);
    extract.on("error", (err) => reject(failure ?? err));
  });
  finished.catch(() => {});
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (!extract.write(chunk)) extract.once("drain", () => cb());
      else cb();
    },
    final(cb) {
      extract.end(() => {});
      finished
        .then(() => work)
        .then(
          () => cb(failure),
          (err: Error) => cb(failure ?? err),
        );
    },
    destroy(err, cb) {
      extract.destroy(err ?? undefined);
      cb(err);
    },
  });
  extract.on("error", (err) => stream.destroy(failure ?? err));
  return { stream, files: () => count };
}

async function writeEntry(dir: string, header: { name: string; type?: string | null }, body: Readable): Promise<void> {
  const rel = header.name === "./" || header.name === "." ? "" : layoutPath(header.name);
  if (header.type === "directory") {
    if (rel !== "") await mkdir(join(dir, rel), { recursive: true });
    body.resume();
  } else if (header.type === "file") {
    await mkdir(join(dir, posix.dirname(rel)), { recursive: true });
    await pipeline(body, createWriteStream(join(dir, rel), { flags: "wx", mode: 0o644 }));
  } else {
    throw new Error(`the OCI layout holds a ${header.type ?? "special"} entry ${JSON.stringify(header.name)}; only files and directories are accepted`);
  }
}
