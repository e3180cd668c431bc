/**
 * Debian's `docker-registry` (distribution 2.8), the real registry, on 127.0.0.1 with its storage in a
 * temporary directory (scripts/engine-setup.sh installs it). The engine pushes to 127.0.0.1:PORT
 * without TLS (the loopback range is an insecure registry by default). Missing: a failure, not a skip.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface DockerRegistry {
  /** `127.0.0.1:PORT` */
  host: string;
  /** The manifest digest the registry holds for NAME:TAG, or undefined. */
  manifestDigest(name: string, tag: string): Promise<string | undefined>;
  close(): Promise<void>;
}

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

export async function startDockerRegistry(): Promise<DockerRegistry> {
  if (spawnSync("docker-registry", ["--version"]).error) throw new Error("docker-registry is missing: run scripts/engine-setup.sh (it installs Debian's docker-registry)");
  const dir = mkdtempSync(join(tmpdir(), "lfs-registry-"));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const config = join(dir, "config.yml");
  writeFileSync(config, `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, "data")}\nhttp:\n  addr: ${host}\n`);
  const child: ChildProcess = spawn("docker-registry", ["serve", config], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr?.on("data", (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  const close = async () => {
    if (child.exitCode === null) {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("close", r));
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    const ok = await fetch(`http://${host}/v2/`).then((r) => r.status === 200, () => false);
    if (ok) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      await close();
      throw new Error(`docker-registry did not answer on ${host}: ${log.trim() || `exit ${child.exitCode}`}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    host,
    async manifestDigest(name, tag) {
      const r = await fetch(`http://${host}/v2/${name}/manifests/${tag}`, {
        method: "HEAD",
        headers: { Accept: "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json" },
      });
      return r.status === 200 ? (r.headers.get("docker-content-digest") ?? undefined) : undefined;
    },
    close,
  };
}
