/**
 * One TCP port of this network namespace's loopback, reachable at the same address from another
 * namespace (a second engine's, `unshare --net`): there, a small Node process entered into it with
 * `nsenter --net` listens on 127.0.0.1:PORT and relays every connection through a unix socket (which
 * namespaces do not separate) to this process, which relays it to 127.0.0.1:PORT here. So a registry
 * on this machine's loopback is `127.0.0.1:PORT` for both engines. Stopped by pid.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, createServer, type Server } from "node:net";
import { join } from "node:path";

export interface NetnsForward {
  stop(): Promise<void>;
}

const RELAY = `
const net = require("node:net");
const [sock, port] = process.argv.slice(1);
const server = net.createServer((c) => {
  const u = net.connect(sock);
  c.pipe(u).pipe(c);
  c.on("error", () => u.destroy());
  u.on("error", () => c.destroy());
});
server.listen(Number(port), "127.0.0.1", () => console.log("listening"));
`;

export async function forwardIntoNetns(pid: number, port: number): Promise<NetnsForward> {
  // A new namespace's loopback is down (dockerd does not bring it up).
  const up = spawnSync("nsenter", [`--net=/proc/${pid}/ns/net`, "ip", "link", "set", "lo", "up"], { encoding: "utf8" });
  if (up.status !== 0) throw new Error(`cannot bring up the loopback in the namespace of pid ${pid}: ${up.stderr}`);
  const dir = mkdtempSync("/tmp/lfs-fwd-");
  const sock = join(dir, "relay.sock");
  const open = new Set<import("node:net").Socket>();
  const server: Server = createServer((c) => {
    const t = connect(port, "127.0.0.1");
    open.add(c).add(t);
    c.once("close", () => open.delete(c));
    t.once("close", () => open.delete(t));
    c.pipe(t).pipe(c);
    c.on("error", () => t.destroy());
    t.on("error", () => c.destroy());
  });
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(sock, resolve));
  const child: ChildProcess = spawn("nsenter", [`--net=/proc/${pid}/ns/net`, process.execPath, "-e", RELAY, sock, String(port)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the relay into the namespace of pid ${pid} did not start: ${output}`)), 15_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      if (output.includes("listening")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the relay into the namespace of pid ${pid} exited (${code}): ${output}`));
    });
  });
  try {
    await ready;
  } catch (err) {
    child.kill("SIGKILL");
    server.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      for (const s of open) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
