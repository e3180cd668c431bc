/**
 * From the build's outputs (output-spec.ts) to the driver's exports, and what follows a successful
 * solve. How each maps onto BuildKit's exporters:
 *
 *   tar, oci, docker with dest   the daemon's `tar`/`oci`/`docker` exporter, streamed through the
 *                                session into a file (or standard output); oci with tar=false is
 *                                that stream unpacked into a directory
 *   docker without dest          Docker Engine's BuildKit: its `moby` exporter (into the engine's
 *                                store); any other builder: the `docker` tar streamed into the current
 *                                docker context's `POST /images/load`
 *   image                        the daemon's `image` exporter (`moby` on Docker Engine) with name and
 *                                push; on Docker Engine the push is the engine's `POST /images/…/push`
 *                                after the build, as buildx does it
 *
 * Every file or directory is prepared before the build (an existing one refused unless forced) and
 * only put in place once the build succeeded.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync, rmdirSync } from "node:fs";
import { makeOwnedDirSync } from "../fs/owned-dir.js";
import { basename, dirname, join, resolve } from "node:path";
import type { Writable } from "node:stream";

import type Docker from "dockerode";

import type { CredentialsProvider } from "../buildkit/auth.js";
import type { ExportSpec } from "../buildkit/types.js";
import { OptionError } from "../errors.js";
import type { OutputSpec } from "../output-spec.js";
import { engineLoader, pushWithEngine } from "./engine-image.js";
import { unpackLayout } from "./unpack-layout.js";

export interface PlanContext {
  /** The builder is Docker Engine's own BuildKit. */
  dockerEngine: boolean;
  /** The engine that loads (--load on another builder) or pushes (on the engine's BuildKit). */
  engine: () => Docker;
  credentials?: CredentialsProvider;
  force: boolean;
  stdoutIsTTY?: boolean;
}

export interface Finished {
  /** Files and directories written. */
  files: string[];
  /** Images stored, loaded or pushed (pushed ones as NAME@DIGEST when the registry said). */
  images: string[];
  /** Metadata keys learnt after the build (`containerimage.digest` of a push through the engine, `image.name`). */
  metadata: Record<string, string>;
}

export interface ExportPlan {
  exports: ExportSpec[];
  finish(exporterResponse: Record<string, string>): Promise<Finished>;
  abort(): void;
}

function streamDest(option: string, dest: string, ctx: PlanContext): string | Writable {
  if (dest === "-") {
    if (ctx.stdoutIsTTY ?? process.stdout.isTTY) throw new OptionError(option, "dest=-", "a file, or standard output sent to a pipe or a file, not a terminal");
    return process.stdout;
  }
  const file = resolve(dest);
  if (existsSync(file) && !ctx.force) throw new OptionError(option, dest, "a name not already taken, or --force to replace it", "exists");
  return file;
}

/** A directory made next to `dest` to unpack into, moved over it when the build succeeded. */
function stagedDir(dest: string, force: boolean): { staging: string; commit(): void; abort(): void } {
  const target = resolve(dest);
  let kind: "none" | "empty" | "full" = "none";
  if (existsSync(target) || isLink(target)) {
    const st = lstatSync(target);
    if (!st.isDirectory()) throw new OptionError("--output", dest, "a directory for the OCI layout (type=oci,tar=false)", "exists and is not a directory");
    kind = readdirSync(target).length === 0 ? "empty" : "full";
    if (kind === "full" && !force) throw new OptionError("--output", dest, "a new or empty directory, or --force to replace it", "not empty");
  }
  mkdirParent(target);
  // Marked as this process's (see fs/owned-dir.ts): a build killed meanwhile leaves it for the next to remove.
  const partial = makeOwnedDirSync(dirname(target), `.${basename(target)}.partial-`, `an OCI layout for ${target} being unpacked`);
  const staging = join(partial, "tree");
  mkdirSync(staging);
  return {
    staging,
    commit() {
      if (kind === "empty") rmdirSync(target);
      if (kind === "full") renameSync(target, join(partial, "old"));
      renameSync(staging, target);
      rmSync(partial, { recursive: true, force: true });
    },
    abort: () => rmSync(partial, { recursive: true, force: true }),
  };
}

function isLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

function mkdirParent(p: string): void {
  const parent = dirname(p);
  if (!existsSync(parent)) throw new OptionError("--output", p, "a path whose parent directory exists");
}

const named = (name: string | undefined): Record<string, string> => (name ? { name } : {});

/** The driver's exports for every output but `local` and `cacheonly` (build.ts stages the local one). */
export function planExports(outputs: readonly OutputSpec[], ctx: PlanContext): ExportPlan {
  const exports: ExportSpec[] = [];
  const files: string[] = [];
  const finishers: Array<() => Promise<Partial<Finished>>> = [];
  const aborts: Array<() => void> = [];
  try {
    for (const o of outputs) {
      if (o.type === "tar") {
        const dest = streamDest("--output", o.dest, ctx);
        exports.push({ type: "tar", dest, overwrite: ctx.force });
        if (typeof dest === "string") files.push(dest);
      } else if (o.type === "oci" && o.tar) {
        const dest = streamDest("--output", o.dest, ctx);
        exports.push({ type: "oci", attrs: named(o.name), dest, overwrite: ctx.force });
        if (typeof dest === "string") files.push(dest);
      } else if (o.type === "oci") {
        const dir = stagedDir(o.dest, ctx.force);
        aborts.push(dir.abort);
        const unpacker = unpackLayout(dir.staging);
        exports.push({ type: "oci", attrs: named(o.name), dest: unpacker.stream });
        finishers.push(async () => (dir.commit(), { files: [resolve(o.dest)] }));
      } else if (o.type === "docker" && o.dest !== undefined) {
        const dest = streamDest("--output", o.dest, ctx);
        exports.push({ type: "docker", attrs: named(o.name), dest, overwrite: ctx.force });
        if (typeof dest === "string") files.push(dest);
      } else if (o.type === "docker") {
        exports.push(dockerLoad(o.name, ctx, finishers, aborts));
      } else if (o.type === "image") {
        exports.push({ type: "image", attrs: { ...named(o.name), ...(o.push ? { push: "true" } : {}) } });
        finishers.push(() => imageDone(o, ctx));
      }
    }
  } catch (err) {
    for (const a of aborts) a();
    throw err;
  }
  return {
    exports,
    async finish(response) {
      const done: Finished = { files: [...files], images: [], metadata: {} };
      for (const f of finishers) {
        const r = await f();
        done.files.push(...(r.files ?? []));
        done.images.push(...(r.images ?? []));
        Object.assign(done.metadata, r.metadata);
      }
      // As buildx after a push through the engine: the registry's digest, the config's kept beside it.
      const pushedDigest = done.metadata["containerimage.digest"];
      if (pushedDigest && response["containerimage.digest"] && !response["containerimage.config.digest"]) {
        done.metadata["containerimage.config.digest"] = response["containerimage.digest"];
      }
      if (!response["image.name"] && done.images.length > 0) done.metadata["image.name"] = done.images.map((i) => i.replace(/@sha256:.*$/, "")).join(",");
      return done;
    },
    abort: () => aborts.forEach((a) => a()),
  };
}

/** --load: the engine's own store on Docker Engine; elsewhere a docker tar into the engine's `docker load`. */
function dockerLoad(name: string | undefined, ctx: PlanContext, finishers: Array<() => Promise<Partial<Finished>>>, aborts: Array<() => void>): ExportSpec {
  if (ctx.dockerEngine) {
    finishers.push(async () => ({ images: name ? name.split(",") : [] }));
    return { type: "docker", attrs: named(name) };
  }
  const loader = engineLoader(ctx.engine());
  aborts.push(() => loader.stream.destroy());
  finishers.push(async () => ({ images: await loader.done }));
  return { type: "docker", attrs: named(name), dest: loader.stream };
}

async function imageDone(o: Extract<OutputSpec, { type: "image" }>, ctx: PlanContext): Promise<Partial<Finished>> {
  const names = o.name ? o.name.split(",") : [];
  if (!o.push || !ctx.dockerEngine) return { images: names };
  const docker = ctx.engine();
  const pushed: string[] = [];
  let digest: string | undefined;
  for (const n of names) {
    const d = await pushWithEngine(docker, n, ctx.credentials);
    digest ??= d;
    pushed.push(d ? `${n}@${d}` : n);
  }
  return { images: pushed, metadata: digest ? { "containerimage.digest": digest } : {} };
}
