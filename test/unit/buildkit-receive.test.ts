/**
 * SECURITY: the local exporter's receiver against a hostile fake daemon (no daemon needed).
 */
import assert from "node:assert/strict";
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";

import { sendDir } from "../../src/buildkit/session/filesync.js";
import { GoMode } from "../../src/buildkit/session/fsmode.js";
import { Outbox, peerPair, type Peer } from "../../src/buildkit/session/peer.js";
import { receiveDir, UnsafeExportError, assertSafeRelativePath } from "../../src/buildkit/session/receive.js";
import { DirTarget } from "../../src/buildkit/session/targets.js";
import { PacketType, type WirePacket, type WireStat } from "../../src/buildkit/wire/types.js";

function stat_(path: string, mode: number, extra: Partial<WireStat> = {}): WireStat {
  return {
    path,
    mode: mode >>> 0,
    uid: 0,
    gid: 0,
    size: "0",
    modTime: "1700000000000000000",
    linkname: "",
    devmajor: "0",
    devminor: "0",
    xattrs: {},
    ...extra,
  };
}
const pkt = (type: number, f: Partial<WirePacket> = {}): WirePacket => ({ type, stat: null, ID: 0, data: Buffer.alloc(0), ...f });
const DIR = GoMode.Dir | 0o755;
const FILE = 0o644;

/**
 * A scripted fake exporter: sends the STATs, then answers every REQ with `content(id)`, then
 * waits for FIN and answers FIN.
 */
async function fakeExporter(peer: Peer<WirePacket>, stats: WireStat[], content: (id: number) => Buffer[] = () => [Buffer.from("data")]): Promise<number[]> {
  const requested: number[] = [];
  for (const s of stats) await peer.send(pkt(PacketType.STAT, { stat: s }));
  await peer.send(pkt(PacketType.STAT));
  for await (const p of peer.messages) {
    if (p.type === PacketType.REQ) {
      requested.push(p.ID);
      for (const c of content(p.ID)) await peer.send(pkt(PacketType.DATA, { ID: p.ID, data: c }));
      await peer.send(pkt(PacketType.DATA, { ID: p.ID }));
    } else if (p.type === PacketType.FIN) {
      await peer.send(pkt(PacketType.FIN));
      peer.end();
      break;
    }
  }
  return requested;
}

describe("local export receiver (security)", () => {
  let base: string;
  let dest: string;
  let outside: string;
  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), "recv-"));
    dest = join(base, "dest");
    outside = join(base, "outside");
    await mkdir(dest);
    await mkdir(outside);
  });
  afterEach(async () => rm(base, { recursive: true, force: true }));

  async function run(stats: WireStat[], opts = {}): Promise<unknown> {
    const [daemon, us] = peerPair<WirePacket>();
    const exp = fakeExporter(daemon, stats).catch(() => undefined);
    try {
      return await receiveDir(us, dest, opts);
    } finally {
      daemon.end();
      us.end();
      await exp;
    }
  }

  it("receives a normal tree", async () => {
    const res = await run([stat_("d", DIR), stat_("d/f", FILE, { size: "4" }), stat_("l", GoMode.Symlink | 0o777, { linkname: "d/f" })]);
    assert.deepEqual(res, { entries: 3, files: 1, bytes: 4, skipped: 0 });
    assert.equal(await readFile(join(dest, "d/f"), "utf8"), "data");
    assert.equal(await readlink(join(dest, "l")), "d/f");
    assert.equal((await stat(join(dest, "d/f"))).mtime.getTime(), 1700000000000);
  });

  for (const bad of ["../escape", "a/../../escape", "/etc/passwd", "./x", "a//b", "", "a/."]) {
    it(`refuses the path ${JSON.stringify(bad)}`, async () => {
      const stats = bad.startsWith("a/") ? [stat_("a", DIR), stat_(bad, FILE)] : [stat_(bad, FILE)];
      await assert.rejects(run(stats), UnsafeExportError);
      assert.deepEqual(await readdir(outside), []);
      assert.deepEqual(await readdir(base).then((l) => l.sort()), ["dest", "outside"]);
    });
  }

  it("refuses to write through a symlink it received", async () => {
    await assert.rejects(run([stat_("evil", GoMode.Symlink | 0o777, { linkname: outside }), stat_("evil/pwned", FILE, { size: "4" })]), /below a symlink/);
    assert.deepEqual(await readdir(outside), []);
  });

  it("refuses to write through a symlink that was already there", async () => {
    const { symlink } = await import("node:fs/promises");
    await symlink(outside, join(dest, "pre"));
    await assert.rejects(run([stat_("pre/pwned", FILE)]), /before its parent/);
    await assert.rejects(run([stat_("pre", FILE)]), /EEXIST/);
    assert.deepEqual(await readdir(outside), []);
  });

  it("refuses hard links to anything but files of this export", async () => {
    await writeFile(join(outside, "secret"), "s");
    await assert.rejects(run([stat_("h", FILE, { linkname: "../outside/secret" })]), UnsafeExportError);
    await assert.rejects(run([stat_("h", FILE, { linkname: "nothere" })]), /not a file of this export/);
    await rm(dest, { recursive: true });
    await mkdir(dest);
    await run([stat_("f", FILE), stat_("h", FILE, { linkname: "f" })]);
    assert.equal((await stat(join(dest, "h"))).ino, (await stat(join(dest, "f"))).ino);
  });

  it("refuses entries sent twice and data for unrequested ids", async () => {
    await assert.rejects(run([stat_("x", DIR), stat_("x", DIR)]), /twice/);
    const [daemon, us] = peerPair<WirePacket>();
    const p = receiveDir(us, dest);
    await daemon.send(pkt(PacketType.DATA, { ID: 7, data: Buffer.from("x") }));
    await assert.rejects(p, /unrequested/);
  });

  it("drops setuid/setgid bits unless the caller opts in", async () => {
    const mode = GoMode.Setuid | GoMode.Setgid | 0o755;
    await run([stat_("su", mode), stat_("sd", GoMode.Dir | GoMode.Setgid | 0o755)]);
    assert.equal((await stat(join(dest, "su"))).mode & 0o7777, 0o755);
    assert.equal((await stat(join(dest, "sd"))).mode & 0o7777, 0o755);
    await rm(dest, { recursive: true });
    await mkdir(dest);
    await run([stat_("su", mode)], { allowSetid: true });
    assert.equal((await stat(join(dest, "su"))).mode & 0o7777, 0o6755);
  });

  it("skips device nodes and fifos with a warning", async () => {
    const warnings: string[] = [];
    const res = (await run([stat_("null", GoMode.Device | GoMode.CharDevice | 0o666), stat_("p", GoMode.NamedPipe | 0o644)], {
      onWarning: (m: string) => warnings.push(m),
    })) as { skipped: number };
    assert.equal(res.skipped, 2);
    assert.equal(warnings.length, 2);
    assert.deepEqual(await readdir(dest), []);
  });

  it("fails on an exporter error packet", async () => {
    const [daemon, us] = peerPair<WirePacket>();
    const p = receiveDir(us, dest);
    await daemon.send(pkt(PacketType.ERR, { data: Buffer.from("disk on fire") }));
    await assert.rejects(p, /disk on fire/);
  });

  it("fails when the stream ends before the export is complete", async () => {
    const [daemon, us] = peerPair<WirePacket>();
    const p = receiveDir(us, dest);
    await daemon.send(pkt(PacketType.STAT, { stat: stat_("f", FILE, { size: "10" }) }));
    await daemon.send(pkt(PacketType.STAT));
    await daemon.send(pkt(PacketType.DATA, { ID: 0, data: Buffer.from("part") }));
    daemon.end();
    await assert.rejects(p, /ended before it was complete/);
  });

  it("fails, without waiting for the daemon, when a file cannot be written", async () => {
    const [daemon, us] = peerPair<WirePacket>();
    const p = receiveDir(us, dest);
    await daemon.send(pkt(PacketType.STAT, { stat: stat_("f", FILE, { size: String(3 << 20) }) }));
    await daemon.send(pkt(PacketType.STAT));
    // The file is there (claimed with O_EXCL) once its REQ comes; replace it by a directory, so
    // that writing its content fails (EISDIR).
    for await (const m of daemon.messages) if (m.type === PacketType.REQ) break;
    await rm(join(dest, "f"));
    await mkdir(join(dest, "f"));
    // Writes are not awaited by the packet loop: the failure must still end the receive while the
    // (fake) daemon, done sending, sends nothing more.
    for (let i = 0; i < 3; i++) await daemon.send(pkt(PacketType.DATA, { ID: 0, data: Buffer.alloc(1 << 20, i) }));
    await assert.rejects(p, /EISDIR|illegal operation on a directory/);
    daemon.end();
  });

  it("only presents a complete export: nothing at dest until commit, nothing left on abort", async () => {
    const final = join(base, "final");
    const t = new DirTarget(final);
    await t.prepare();
    const [daemon, us] = peerPair<WirePacket>();
    const exp = fakeExporter(daemon, [stat_("f", FILE)]);
    await t.receive(us);
    await exp;
    await assert.rejects(lstat(final), /ENOENT/);
    await t.commit();
    assert.equal(await readFile(join(final, "f"), "utf8"), "data");

    const aborted = join(base, "aborted");
    const t2 = new DirTarget(aborted);
    await t2.prepare();
    const [d2, u2] = peerPair<WirePacket>();
    const p2 = t2.receive(u2);
    await d2.send(pkt(PacketType.STAT, { stat: stat_("f", FILE) }));
    await d2.send(pkt(PacketType.ERR, { data: Buffer.from("boom") }));
    await assert.rejects(p2, /boom/);
    await t2.abort();
    await assert.rejects(lstat(aborted), /ENOENT/);
    assert.deepEqual(
      (await readdir(base)).filter((n) => n.includes("partial")),
      [],
    );
  });

  it("refuses a non-empty destination unless overwrite is set", async () => {
    await writeFile(join(dest, "old"), "old");
    await assert.rejects(new DirTarget(dest).prepare(), /not an empty directory/);
    const t = new DirTarget(dest, { overwrite: true });
    await t.prepare();
    const [daemon, us] = peerPair<WirePacket>();
    const exp = fakeExporter(daemon, [stat_("new", FILE)]);
    await t.receive(us);
    await exp;
    await t.commit();
    assert.deepEqual(await readdir(dest), ["new"]);
  });

  it("validates relative paths", () => {
    assert.doesNotThrow(() => assertSafeRelativePath("a/b.c/..d"));
    assert.throws(() => assertSafeRelativePath("a\0b"), UnsafeExportError);
  });
});

describe("upload → receive round trip", () => {
  it("sends a tree through the fsutil protocol and gets it back identical", async () => {
    const base = await mkdtemp(join(tmpdir(), "rt-"));
    try {
      const src = join(base, "src");
      await mkdir(join(src, "d/e"), { recursive: true });
      await writeFile(join(src, "d/e/big"), Buffer.alloc(700_000, 7));
      await writeFile(join(src, "empty"), "");
      const { symlink, chmod } = await import("node:fs/promises");
      await symlink("d/e/big", join(src, "link"));
      await chmod(join(src, "d/e"), 0o750);
      const dst = join(base, "dst");
      await mkdir(dst);
      const [a, b] = peerPair<WirePacket>();
      const [sent, got] = await Promise.all([sendDir(a, src, { chunkSize: 65536 }), receiveDir(b, dst)]);
      assert.equal(sent.bytes, 700_000);
      assert.equal(got.bytes, 700_000);
      assert.deepEqual(await readFile(join(dst, "d/e/big")), Buffer.alloc(700_000, 7));
      assert.equal((await readFile(join(dst, "empty"))).length, 0);
      assert.equal(await readlink(join(dst, "link")), "d/e/big");
      assert.equal((await stat(join(dst, "d/e"))).mode & 0o777, 0o750);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });

  it("keeps descriptors bounded with many files (no EMFILE)", async () => {
    const base = await mkdtemp(join(tmpdir(), "rt-many-"));
    try {
      const src = join(base, "src");
      await mkdir(src);
      for (let i = 0; i < 3000; i += 100) {
        await Promise.all(Array.from({ length: 100 }, (_, j) => writeFile(join(src, `f${i + j}`), `content ${i + j}`)));
      }
      const dst = join(base, "dst");
      await mkdir(dst);
      const [a, b] = peerPair<WirePacket>();
      const [, got] = await Promise.all([sendDir(a, src), receiveDir(b, dst)]);
      assert.equal(got.files, 3000);
      assert.equal(await readFile(join(dst, "f2999"), "utf8"), "content 2999");
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });
});

/**
 * A connected pair of peers with bounded transport in each direction, like an HTTP/2 stream's
 * receive window: send() resolves only when the other side's buffer has room (peerPair's sends
 * never wait, which is why it could not show flow-control deadlocks).
 */
function boundedPeerPair<T>(capacityAB: number, capacityBA: number): [Peer<T>, Peer<T>] & { moved: () => number } {
  let moved = 0;
  const channel = (capacity: number) => {
    const items: T[] = [];
    let ended = false;
    const readers: Array<() => void> = [];
    const writers: Array<() => void> = [];
    const wake = (list: Array<() => void>): void => {
      for (const f of list.splice(0)) f();
    };
    return {
      async send(m: T): Promise<void> {
        while (items.length >= capacity && !ended) await new Promise<void>((r) => writers.push(r));
        if (ended) throw new Error("closed");
        items.push(m);
        moved++;
        wake(readers);
      },
      end(): void {
        ended = true;
        wake(readers);
        wake(writers);
      },
      messages: {
        async *[Symbol.asyncIterator]() {
          for (;;) {
            if (items.length > 0) {
              const m = items.shift()!;
              wake(writers);
              yield m;
              continue;
            }
            if (ended) return;
            await new Promise<void>((r) => readers.push(r));
          }
        },
      } as AsyncIterable<T>,
    };
  };
  const ab = channel(capacityAB);
  const ba = channel(capacityBA);
  const pair = [
    { send: ab.send, messages: ba.messages, end: ab.end },
    { send: ba.send, messages: ab.messages, end: ba.end },
  ] as [Peer<T>, Peer<T>] & { moved: () => number };
  pair.moved = () => moved;
  return pair;
}

/**
 * The daemon's side of a `local` export as fsutil's sender does it: a walker sending STATs, a
 * reader queueing REQs into a bounded pipeline (it stops reading while the pipeline is full), 4
 * workers sending DATA chunks, and all sends serialized through one lock.
 */
async function fsutilLikeSender(peer: Peer<WirePacket>, stats: WireStat[], content: (id: number) => Buffer, chunk: number): Promise<void> {
  let lock: Promise<void> = Promise.resolve();
  const send = (p: WirePacket): Promise<void> => {
    const next = lock.then(() => peer.send(p));
    lock = next.catch(() => {});
    return next;
  };
  const pipeline: number[] = [];
  const PIPELINE = 128;
  let pipelineClosed = false;
  const wakeWorkers: Array<() => void> = [];
  const wakeReader: Array<() => void> = [];
  const wake = (l: Array<() => void>): void => {
    for (const f of l.splice(0)) f();
  };
  const walker = (async () => {
    for (const s of stats) await send(pkt(PacketType.STAT, { stat: s }));
    await send(pkt(PacketType.STAT));
  })();
  const workers = Array.from({ length: 4 }, async () => {
    for (;;) {
      while (pipeline.length === 0 && !pipelineClosed) await new Promise<void>((r) => wakeWorkers.push(r));
      const id = pipeline.shift();
      if (id === undefined) return;
      wake(wakeReader);
      const data = content(id);
      for (let o = 0; o < data.length; o += chunk) await send(pkt(PacketType.DATA, { ID: id, data: data.subarray(o, o + chunk) }));
      await send(pkt(PacketType.DATA, { ID: id }));
    }
  });
  const reader = (async () => {
    try {
      for await (const p of peer.messages) {
        if (p.type === PacketType.REQ) {
          while (pipeline.length >= PIPELINE) await new Promise<void>((r) => wakeReader.push(r));
          pipeline.push(p.ID);
          wake(wakeWorkers);
        } else if (p.type === PacketType.FIN) {
          await send(pkt(PacketType.FIN));
          return;
        }
      }
      throw new Error("receiver closed the stream before FIN");
    } finally {
      pipelineClosed = true;
      wake(wakeWorkers);
    }
  })();
  await Promise.all([walker, reader, ...workers]);
  peer.end();
}

describe("local export receiver (flow control)", () => {
  it("does not deadlock against a flow-controlled fsutil sender (many small files, some large)", async () => {
    const base = await mkdtemp(join(tmpdir(), "recv-flow-"));
    try {
      // 4,000 small files in 40 dirs, with 4 large files early on to keep the 4 workers busy.
      const stats: WireStat[] = [];
      const sizes = new Map<number, number>();
      const LARGE = 2 * 1024 * 1024;
      for (let d = 0; d < 40; d++) {
        stats.push(stat_(`d${d}`, DIR));
        for (let f = 0; f < 100; f++) {
          const size = d === 0 && f < 4 ? LARGE : (f * 37) % 300;
          sizes.set(stats.length, size);
          stats.push(stat_(`d${d}/f${String(f).padStart(3, "0")}`, FILE, { size: String(size) }));
        }
      }
      const content = (id: number): Buffer => Buffer.alloc(sizes.get(id) ?? 0, id % 251);
      // Windows of 32 packets each way; 8 KiB DATA chunks (256 per large file).
      const pair = boundedPeerPair<WirePacket>(32, 32);
      const [daemon, us] = pair;
      const dest = join(base, "dest");
      await mkdir(dest);
      let watchdog: NodeJS.Timeout | undefined;
      const stalled = new Promise<never>((_, reject) => {
        let last = -1;
        watchdog = setInterval(() => {
          const now = pair.moved();
          if (now === last) reject(new Error(`export stalled after ${now} packets (flow-control deadlock)`));
          last = now;
        }, 2000);
      });
      try {
        const [, got] = await Promise.race([Promise.all([fsutilLikeSender(daemon, stats, content, 8192), receiveDir(us, dest)]), stalled]);
        assert.equal(got.files, 4000);
        assert.equal(got.entries, 4040);
        assert.equal(
          got.bytes,
          [...sizes.values()].reduce((a, b) => a + b, 0),
        );
      } finally {
        clearInterval(watchdog);
        daemon.end();
        us.end();
      }
      assert.deepEqual(await readFile(join(dest, "d0/f001")), Buffer.alloc(LARGE, 2));
      assert.equal((await stat(join(dest, "d39/f099"))).size, (99 * 37) % 300);
      assert.equal((await readdir(join(dest, "d17"))).length, 100);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });
});

describe("Outbox", () => {
  it("posts without waiting, sends in order, and reports a failed send", async () => {
    const sent: number[] = [];
    let release: () => void = () => {};
    let blocked: () => void = () => {};
    const isBlocked = new Promise<void>((r) => (blocked = r));
    let fail = false;
    const peer: Peer<number> = {
      send: async (m) => {
        if (fail) throw new Error("stream closed");
        if (m === 1) {
          // The transport is full until released.
          const wait = new Promise<void>((r) => (release = r));
          blocked();
          await wait;
        }
        sent.push(m);
      },
      messages: { async *[Symbol.asyncIterator]() {} },
      end: () => {},
    };
    const out = new Outbox(peer);
    for (let i = 0; i < 3000; i++) out.post(i); // returns at once although send(1) is blocked
    assert.equal(out.pending, 2999);
    await isBlocked;
    assert.deepEqual(sent, [0]);
    assert.equal(out.pending, 2998);
    release();
    await out.flushed();
    assert.deepEqual(
      sent,
      Array.from({ length: 3000 }, (_, i) => i),
    );
    fail = true;
    out.post(5);
    await assert.rejects(out.flushed(), /stream closed/);
    assert.match(String(out.failure), /stream closed/);
  });
});
