/**
 * Debian's docker-registry (distribution 2.8, `apt-get install docker-registry`; scripts/engine-setup.sh
 * installs it) serving on 127.0.0.1 from a temporary directory: the real registry a cache is pushed
 * to and pulled from. Started in a given network namespace (`netnsOf`: a pid whose namespace to
 * enter, e.g. the second engine's, so that 127.0.0.1 is the same for both), else in the test's own.
 * Ready when it logs that it listens; stopped by pid.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface DockerRegistry {
  /** `127.0.0.1:PORT` */
  host: string;
  /** Directory holding its storage. */
  storage: string;
  log(): string;
  stop(): Promise<void>;
}

export async function startDockerRegistry(opts: { netnsOf?: number; port?: number; timeoutMs?: number } = {}): Promise<DockerRegistry> {
  if (spawnSync("sh", ["-c", "command -v docker-registry"]).status !== 0) {
    throw new Error("docker-registry not found: apt-get install docker-registry (scripts/engine-setup.sh installs it)");
  }
  const dir = mkdtempSync(join(tmpdir(), "lfs-docker-registry-"));
  const port = opts.port ?? 5000;
  const host = `127.0.0.1:${port}`;
  const config = join(dir, "config.yml");
  writeFileSync(config, ["version: 0.1", "log:", "  level: info", "storage:", "  filesystem:", `    rootdirectory: ${join(dir, "storage")}`, "http:", `  addr: ${host}`, ""].join("\n"));
  const cmd = opts.netnsOf === undefined ? ["docker-registry", "serve", config] : ["nsenter", `--net=/proc/${opts.netnsOf}/ns/net`, "docker-registry", "serve", config];
  const child = spawn(cmd[0]!, cmd.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`docker-registry did not start within ${(opts.timeoutMs ?? 20_000) / 1000} s:\n${output.slice(-2000)}`)), opts.timeoutMs ?? 20_000);
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
  return { host, storage: join(dir, "storage"), log: () => output, stop };
}
