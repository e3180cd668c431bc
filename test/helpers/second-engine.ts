/**
 * A Docker Engine of the test's own, to kill and restart: a second dockerd beside the machine's (which
 * must never be touched), with its own socket, pid file, data root, exec root, config file and
 * containerd namespaces, in a network namespace of its own (`unshare --net`), where it makes its own
 * docker0 bridge (RUN steps without `--network=none` need one) and nothing it does reaches the host's
 * interfaces or iptables. (Never `--bridge none` on the host's namespace: such a dockerd deletes the
 * host's docker0, the main engine's bridge: moby's removeDefaultBridgeInterface.) The client talks to
 * it through its unix socket, which namespaces do not separate. The base images it needs are copied
 * from the main engine (`docker save | docker -H ... load`).
 *
 * Everything it starts is found by id: its dockerd by the pid we spawned, its containerd by the pid file
 * in its exec root, the processes of a RUN step left by a killed dockerd by the runc state below its
 * data root. `dispose()` stops it all and removes its directories.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync, closeSync } from "node:fs";
import { join } from "node:path";
import { run, type Run } from "./engine.js";

export interface SecondEngine {
  /** DOCKER_HOST form: unix:///…/docker.sock */
  readonly host: string;
  /** The driver's form: docker:///…/docker.sock */
  readonly address: string;
  readonly dir: string;
  /** The dockerd's pid (while it runs). */
  readonly pid: number | undefined;
  /** The daemon's log so far. */
  log(): string;
  /** Start dockerd (with this daemon.json) and wait until it answers. */
  start(config?: object): Promise<void>;
  /** SIGKILL the dockerd, nothing else: its containerd and shims live on, as after a crash. */
  kill(): Promise<void>;
  /** Stop it the ordinary way (SIGTERM), waiting for it to exit. */
  stop(): Promise<void>;
  docker(args: string[], opts?: { input?: string; timeoutMs?: number }): Promise<Run>;
  /** The pids of RUN-step processes still running in this engine's cgroups (left by a killed dockerd). */
  orphans(): number[];
  /** Kill those, by pid. */
  killOrphans(): Promise<void>;
  /** Copy images from the main engine (skipped for those already there). */
  loadImages(images: string[]): Promise<void>;
  dispose(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function readPid(file: string): number | undefined {
  try {
    const n = Number(readFileSync(file, "utf8").trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end;) {
    if (!alive(pid)) return true;
    await sleep(100);
  }
  return !alive(pid);
}

const hasDocker0 = () => existsSync("/sys/class/net/docker0");
/** Whether the main engine's docker0 bridge existed when this module was loaded. */
const hadDocker0 = hasDocker0();

/** The main engine's docker0 bridge, when there was one, must survive whatever the second engine does. */
export function assertDocker0(): void {
  if (hadDocker0 && !hasDocker0()) throw new Error("the main engine's docker0 bridge has disappeared since the test started");
}

export async function startSecondEngine(name: string, config: object = {}): Promise<SecondEngine> {
  const which = spawnSync("sh", ["-c", "command -v dockerd containerd runc unshare"], { encoding: "utf8" });
  if (which.status !== 0)
    throw new Error(`dockerd, containerd, runc and unshare are needed for a second engine (scripts/engine-setup.sh installs them): ${which.stdout}`);
  // Short paths: containerd's sockets live below the exec root, and a unix socket path has 108 bytes.
  const dir = mkdtempSync(`/tmp/lfs-${name}-`);
  const sock = join(dir, "docker.sock");
  const pidfile = join(dir, "docker.pid");
  const execRoot = join(dir, "exec");
  const dataRoot = join(dir, "data");
  const logFile = join(dir, "dockerd.log");
  const configFile = join(dir, "daemon.json");
  mkdirSync(dataRoot);
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const host = `unix://${sock}`;

  const docker = (args: string[], opts: { input?: string; timeoutMs?: number } = {}) =>
    run("docker", ["-H", host, ...args], { ...(opts.input !== undefined && { input: opts.input }), timeoutMs: opts.timeoutMs ?? 120_000 });

  const containerdPid = () => readPid(join(execRoot, "containerd", "containerd.pid"));

  /**
   * The processes of RUN steps a killed dockerd left running: each step ran in the cgroup
   * docker/buildkit/ID, ID being the name of its bundle below this engine's data root (random, so
   * ours alone, though the main engine's steps share the parent cgroup).
   */
  const orphans = (): number[] => {
    const root = join(dataRoot, "buildkit", "executor");
    if (!existsSync(root)) return [];
    const pids: number[] = [];
    for (const id of readdirSync(root).filter((n) => /^[a-z0-9]{25}$/.test(n))) {
      for (const base of ["/sys/fs/cgroup/unified", "/sys/fs/cgroup"]) {
        try {
          pids.push(
            ...readFileSync(join(base, "docker", "buildkit", id, "cgroup.procs"), "utf8")
              .split("\n")
              .filter(Boolean)
              .map(Number),
          );
          break;
        } catch {
          /* not this hierarchy, or gone */
        }
      }
    }
    return pids;
  };
  const killOrphans = async (): Promise<void> => {
    for (const pid of orphans()) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        /* gone */
      }
      await waitGone(pid, 5000);
    }
  };

  const engine: SecondEngine = {
    host,
    address: `docker://${sock}`,
    dir,
    docker,
    orphans,
    killOrphans,
    get pid() {
      return child?.pid !== undefined && alive(child.pid) ? child.pid : undefined;
    },
    log: () => (existsSync(logFile) ? readFileSync(logFile, "utf8") : ""),
    async start(cfg: object = config) {
      if (engine.pid) throw new Error("the second engine already runs");
      writeFileSync(configFile, JSON.stringify(cfg));
      const out = openSync(logFile, "a");
      assertDocker0();
      child = spawn(
        "unshare",
        [
          "--net",
          "--",
          "dockerd",
          "--host",
          host,
          "--pidfile",
          pidfile,
          "--data-root",
          dataRoot,
          "--exec-root",
          execRoot,
          "--config-file",
          configFile,
          "--containerd-namespace",
          `lfs-${name}`,
          "--containerd-plugins-namespace",
          `lfs-${name}-plugins`,
          "--iptables=false",
          "--ip6tables=false",
          "--ip-forward=false",
          "--ip-masq=false",
          "--userland-proxy=false",
          "--storage-driver",
          "overlay2",
        ],
        { stdio: ["ignore", out, out], detached: true },
      );
      closeSync(out);
      const c = child;
      exited = new Promise((resolve) => c.once("exit", () => resolve()));
      for (const end = Date.now() + 90_000; ;) {
        if (c.exitCode !== null || c.signalCode !== null) throw new Error(`the second dockerd exited while starting:\n${engine.log().slice(-3000)}`);
        if (existsSync(sock) && (await docker(["version", "--format", "{{.Server.Version}}"], { timeoutMs: 10_000 })).code === 0) break;
        if (Date.now() > end) throw new Error(`the second dockerd did not answer within 90 s:\n${engine.log().slice(-3000)}`);
        await sleep(300);
      }
      assertDocker0();
    },
    async kill() {
      const c = child;
      if (!c?.pid || !alive(c.pid)) throw new Error("the second dockerd does not run");
      c.kill("SIGKILL");
      await exited;
    },
    async stop() {
      const c = child;
      if (c?.pid && alive(c.pid)) {
        c.kill("SIGTERM");
        if (!(await waitGone(c.pid, 30_000))) {
          c.kill("SIGKILL");
          await exited;
        }
      }
    },
    async loadImages(images: string[]) {
      for (const image of images) {
        const want = await run("docker", ["image", "inspect", "--format", "{{.Id}}", image]);
        if (want.code !== 0) throw new Error(`image ${image} is missing from the main engine: run scripts/base-images.sh`);
        const have = await docker(["image", "inspect", "--format", "{{.Id}}", image]);
        if (have.code === 0 && have.stdout.trim() === want.stdout.trim()) continue;
        const r = spawnSync("sh", ["-c", `docker save "$1" | docker -H "$2" load -q`, "sh", image, host], { encoding: "utf8", timeout: 600_000 });
        if (r.status !== 0) throw new Error(`cannot copy ${image} into the second engine: ${r.stderr}`);
      }
    },
    async dispose() {
      await engine.stop();
      // After a kill, dockerd's containerd (and a RUN step's processes) may outlive it: by their ids.
      await killOrphans();
      const cpid = containerdPid();
      if (cpid && alive(cpid)) {
        process.kill(cpid, "SIGTERM");
        if (!(await waitGone(cpid, 15_000))) process.kill(cpid, "SIGKILL");
      }
      // Mounts a killed daemon left below its directories (overlay layers, shm): deepest first.
      const mounts = readFileSync("/proc/self/mounts", "utf8")
        .split("\n")
        .map((l) => l.split(" ")[1] ?? "")
        .map((p) => p.replace(/\\040/g, " "))
        .filter((p) => p.startsWith(`${dir}/`))
        .sort((a, b) => b.length - a.length);
      for (const m of mounts) spawnSync("umount", ["-l", m]);
      rmSync(dir, { recursive: true, force: true });
      assertDocker0();
    },
  };
  await engine.start(config);
  return engine;
}

/** Every directory below `/tmp` this helper made and left (an interrupted run): for a report. */
export function strayEngineDirs(name: string): string[] {
  return readdirSync("/tmp").filter((n) => n.startsWith(`lfs-${name}-`));
}
