/**
 * The real Docker Engine the integration tests run against (started by scripts/engine-setup.sh, which
 * .ci/run calls). No engine is a failure, never a skip.
 */
import { spawn, spawnSync } from "node:child_process";
import semver from "semver";

/** Local images the tests build from (made by scripts/base-images.sh; no registry is reachable in CI). */
export const TEST_HOST_IMAGE = process.env.LFS_HOST_IMAGE ?? "lfs-docker/host:bookworm";
export const TEST_ISO_IMAGE = process.env.LFS_ISO_IMAGE ?? "lfs-docker/iso:bookworm";

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run a command to completion (async, so long builds do not block the test runner's timers). */
export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = opts.timeoutMs ? setTimeout(() => child.kill("SIGTERM"), opts.timeoutMs) : undefined;
    child.on("error", reject);
    child.on("close", (code) => {
      if (timer) clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    // A program that exits without reading its input (xorriso does) must not make this an EPIPE.
    child.stdin.on("error", () => {});
    child.stdin.end(opts.input ?? "");
  });
}

/** Fails (throws) unless a Docker Engine with a modern BuildKit answers, and returns its version. */
export function requireEngine(): string {
  const r = spawnSync("docker", ["version", "--format", "{{.Server.Version}}"], { encoding: "utf8", timeout: 30_000 });
  if (r.error || r.status !== 0) {
    throw new Error(`no Docker Engine answers (docker version: ${r.error?.message ?? r.stderr.trim()}); run scripts/engine-setup.sh first`);
  }
  const version = r.stdout.trim();
  if (!semver.gte(semver.coerce(version, { loose: true }) ?? "0.0.0", "23.0.0"))
    throw new Error(`Docker Engine ${version} is too old for the generated Dockerfiles (heredocs need 23 or later)`);
  return version;
}

/** Fails unless the image is in the engine's store. */
export function requireImage(image: string): void {
  const r = spawnSync("docker", ["image", "inspect", "--format", "{{.Id}}", image], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`image ${image} is missing: run scripts/base-images.sh first`);
}

/** The second, old engine started by scripts/engine-legacy.sh (Docker 20.10, BuildKit 0.8). */
export const LEGACY_DOCKER_HOST = process.env.LFS_DOCKER_LEGACY_HOST ?? "unix:///run/lfs-docker-legacy/docker.sock";
/** Its own docker CLI (20.10, unpacked from Debian's docker.io package by the script). */
export const LEGACY_DOCKER_CLI = process.env.LFS_DOCKER_LEGACY_CLI ?? "/opt/lfs-docker/docker-20.10/usr/bin/docker";

/** The driver's address for the legacy engine (`docker:///path/to/docker.sock`). */
export function legacyDriverAddress(host = LEGACY_DOCKER_HOST): string {
  if (host.startsWith("unix://")) return `docker://${host.slice("unix://".length)}`;
  if (host.startsWith("tcp://")) return `docker://${host.slice("tcp://".length)}`;
  return host;
}

/** Fails (throws) unless the legacy Docker 20.10 engine answers; returns its version. */
export function requireLegacyEngine(): string {
  const r = spawnSync(LEGACY_DOCKER_CLI, ["version", "--format", "{{.Server.Version}}"], {
    encoding: "utf8",
    timeout: 30_000,
    env: { ...process.env, DOCKER_HOST: LEGACY_DOCKER_HOST },
  });
  if (r.error || r.status !== 0) {
    throw new Error(
      `the legacy Docker 20.10 engine does not answer at ${LEGACY_DOCKER_HOST} (${r.error?.message ?? r.stderr.trim()}); run scripts/engine-legacy.sh first`,
    );
  }
  const version = r.stdout.trim();
  if (!semver.satisfies(semver.coerce(version, { loose: true }) ?? "0.0.0", "20.10.x"))
    throw new Error(`the engine at ${LEGACY_DOCKER_HOST} is Docker ${version}, not 20.10`);
  return version;
}
