/**
 * Debian's docker-registry (distribution 2.8, `apt-get install docker-registry`; scripts/engine-setup.sh
 * installs it) serving on 127.0.0.1 from a temporary directory: the real registry a cache is pushed
 * to and pulled from. Started in a given network namespace (`netnsOf`: a pid whose namespace to
 * enter, e.g. the second engine's, so that 127.0.0.1 is the same for both), else in the test's own.
 * Ready when it logs that it listens; stopped by pid. The engine pushes to 127.0.0.1:PORT without TLS
 * (the loopback range is an insecure registry by default). Missing: a failure, not a skip.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface DockerRegistry {
  /** `127.0.0.1:PORT` */
  host: string;
  /** Directory holding its storage. */
  storage: string;
  log(): string;
  /** The manifest digest the registry holds for NAME:TAG, or undefined. */
  manifestDigest(name: string, tag: string): Promise<string | undefined>;
  stop(): Promise<void>;
}

/** A port free on this namespace's loopback now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startDockerRegistry(opts: { netnsOf?: number; port?: number; timeoutMs?: number } = {}): Promise<DockerRegistry> {
  if (spawnSync("sh", ["-c", "command -v docker-registry"]).status !== 0) {
    throw new Error("docker-registry not found: apt-get install docker-registry (scripts/engine-setup.sh installs it)");
  }
  const dir = mkdtempSync(join(tmpdir(), "lfs-docker-registry-"));
  const port = opts.port ?? (opts.netnsOf === undefined ? await freePort() : 5000);
  const host = `127.0.0.1:${port}`;
  const config = join(dir, "config.yml");
  writeFileSync(
    config,
    ["version: 0.1", "log:", "  level: info", "storage:", "  filesystem:", `    rootdirectory: ${join(dir, "storage")}`, "http:", `  addr: ${host}`, ""].join(
      "\n",
    ),
  );
  const cmd =
    opts.netnsOf === undefined ? ["docker-registry", "serve", config] : ["nsenter", `--net=/proc/${opts.netnsOf}/ns/net`, "docker-registry", "serve", config];
  const child = spawn(cmd[0]!, cmd.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`docker-registry did not start within ${(opts.timeoutMs ?? 20_000) / 1000} s:\n${output.slice(-2000)}`)),
      opts.timeoutMs ?? 20_000,
    );
    const onData = (d: Buffer) => {
      output = (output + d.toString()).slice(-20_000);
      if (output.includes(`listening on ${host}`)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`docker-registry exited (${code}):\n${output.slice(-2000)}`));
    });
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await ready;
  } catch (err) {
    await stop();
    throw err;
  }
  const manifestDigest = async (name: string, tag: string) => {
    const r = await fetch(`http://${host}/v2/${name}/manifests/${tag}`, {
      method: "HEAD",
      headers: {
        Accept: "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json",
      },
    });
    return r.status === 200 ? (r.headers.get("docker-content-digest") ?? undefined) : undefined;
  };
  return { host, storage: join(dir, "storage"), log: () => output, manifestDigest, stop };
}
