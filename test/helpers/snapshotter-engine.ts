/**
 * A second Docker Engine of the test's own, with the containerd image store (`"features":
 * {"containerd-snapshotter": true}`): the kind of engine whose built-in BuildKit can export a build
 * cache. Everything is its own: socket, data root, exec root (with its managed containerd), pid
 * file, config file, and a network namespace. The namespace matters: dockerd with `--bridge none`
 * deletes the host's docker0 interface at start-up (moby's removeDefaultBridgeInterface), which
 * the machine's own engine uses; in a namespace of its own it finds none to delete. Its loopback
 * is brought up, so a registry started in the same namespace (./docker-registry.ts) is at
 * 127.0.0.1 for it. Stopped with SIGTERM (then SIGKILL) by pid; its data root goes with it.
 */
import { spawn, spawnSync } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface SnapshotterEngine {
  /** `unix:///…/docker.sock`, for the docker CLI's -H. */
  dockerHost: string;
  /** The driver's address (`docker:///…/docker.sock`). */
  address: string;
  /** dockerd's pid; `/proc/PID/ns/net` is its network namespace. */
  pid: number;
  /** Directory holding everything of this engine. */
  dir: string;
  /** The last lines of its log, for failure messages. */
  logTail(): string;
  stop(): Promise<void>;
}

function requireTool(name: string, why: string): void {
  if (spawnSync("sh", ["-c", `command -v ${name}`]).status !== 0) throw new Error(`${name} not found: ${why}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export async function startSnapshotterEngine(timeoutMs = 60_000): Promise<SnapshotterEngine> {
  requireTool("dockerd", "run scripts/engine-setup.sh");
  requireTool("unshare", "install util-linux");
  requireTool("ip", "install iproute2 (scripts/engine-setup.sh does)");
  const dir = mkdtempSync(join(tmpdir(), "lfs-docker-engine2-"));
  const sock = join(dir, "docker.sock");
  const pidfile = join(dir, "docker.pid");
  const log = join(dir, "dockerd.log");
  mkdirSync(join(dir, "data"));
  writeFileSync(join(dir, "daemon.json"), JSON.stringify({ features: { "containerd-snapshotter": true } }) + "\n");
  const args = [
    "--net",
    "sh",
    "-c",
    'ip link set lo up && exec dockerd "$@"',
    "sh",
    "--host",
    `unix://${sock}`,
    "--pidfile",
    pidfile,
    "--data-root",
    join(dir, "data"),
    "--exec-root",
    join(dir, "exec"),
    "--config-file",
    join(dir, "daemon.json"),
    "--bridge",
    "none",
    "--iptables=false",
    "--ip6tables=false",
    "--ip-forward=false",
    "--ip-masq=false",
  ];
  const fd = openSync(log, "a");
  const child = spawn("unshare", args, { stdio: ["ignore", fd, fd], detached: true });
  closeSync(fd);
  child.unref();
  const pid = child.pid!;
  const dockerHost = `unix://${sock}`;
  const logTail = () => {
    try {
      return readFileSync(log, "utf8").split("\n").slice(-15).join("\n");
    } catch {
      return "(no log)";
    }
  };
  const stop = async () => {
    if (alive(pid)) process.kill(pid, "SIGTERM");
    for (let i = 0; i < 60 && alive(pid); i++) await sleep(250);
    if (alive(pid)) process.kill(pid, "SIGKILL");
    for (let i = 0; i < 20 && alive(pid); i++) await sleep(250);
    // Its containerd's mounts under the data root are gone with it; whatever is left is removed.
    spawnSync("umount", ["-R", join(dir, "data")], { stdio: "ignore" });
    rmSync(dir, { recursive: true, force: true });
  };
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = spawnSync("docker", ["-H", dockerHost, "info", "--format", "{{.Driver}} {{json .DriverStatus}}"], { encoding: "utf8", timeout: 10_000 });
    if (v.status === 0) {
      if (!v.stdout.includes("io.containerd.snapshotter.v1")) {
        await stop();
        throw new Error(`the second engine does not use the containerd image store: ${v.stdout.trim()}`);
      }
      break;
    }
    if (!alive(pid) || Date.now() > end) {
      const tail = logTail();
      await stop();
      throw new Error(`the second dockerd did not answer on ${dockerHost}:\n${tail}`);
    }
    await sleep(250);
  }
  return { dockerHost, address: `docker://${sock}`, pid, dir, logTail, stop };
}
