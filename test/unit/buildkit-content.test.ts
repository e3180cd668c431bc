/**
 * The session's content stores (containerd's content service) called as the daemon calls them for a
 * `type=local` cache export and import: through a fake daemon's session, with the store named in the
 * `buildkit-attachable-store-id` header. Hostile input: bad digests, links planted in the layout,
 * wrong sizes and digests, writes into a cache source.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import * as grpc from "@grpc/grpc-js";

import { OciContentStore } from "../../src/buildkit/session/content-store.js";
import { STORE_ID_HEADER } from "../../src/buildkit/session/content.js";
import { Session } from "../../src/buildkit/session/session.js";
import { wire } from "../../src/buildkit/wire/load.js";
import { WriteAction } from "../../src/buildkit/wire/types.js";
import { fakeDaemon, type FakeDaemon } from "../helpers/fake-daemon.js";

const PATH = "/containerd.services.content.v1.Content/";
const sha = (b: Buffer | string): string => `sha256:${createHash("sha256").update(b).digest("hex")}`;
const def = (m: string) => wire().Content[m] as grpc.MethodDefinition<unknown, unknown>;

function md(store: string | undefined): grpc.Metadata {
  const m = new grpc.Metadata();
  if (store !== undefined) m.set(STORE_ID_HEADER, store);
  return m;
}

function unary<T>(client: grpc.Client, m: string, store: string | undefined, req: unknown): Promise<T> {
  const d = def(m);
  return new Promise((res, rej) =>
    client.makeUnaryRequest(PATH + m, d.requestSerialize, d.responseDeserialize, req, md(store), (e, v) => (e ? rej(e) : res(v as T))),
  );
}

function read(client: grpc.Client, store: string, digest: string, offset = 0, size = 0): Promise<Buffer> {
  const d = def("Read");
  return new Promise((res, rej) => {
    const call = client.makeServerStreamRequest(PATH + "Read", d.requestSerialize, d.responseDeserialize, { digest, offset, size }, md(store));
    const parts: Buffer[] = [];
    call.on("data", (r: { data: Buffer }) => parts.push(r.data));
    call.on("error", rej);
    call.on("end", () => res(Buffer.concat(parts)));
  });
}

/** A whole Write conversation: each request answered in turn; resolves with the answers. */
function write(client: grpc.Client, store: string | undefined, reqs: object[]): Promise<Array<{ offset: string; digest: string }>> {
  const d = def("Write");
  return new Promise((res, rej) => {
    const call = client.makeBidiStreamRequest(PATH + "Write", d.requestSerialize, d.responseDeserialize, md(store));
    const answers: Array<{ offset: string; digest: string }> = [];
    let i = 0;
    const next = (): void => {
      if (i < reqs.length) call.write(reqs[i++]);
      else call.end();
    };
    call.on("data", (a: { offset: string; digest: string }) => {
      answers.push(a);
      next();
    });
    call.on("error", rej);
    call.on("end", () => res(answers));
    next();
  });
}

const code = (c: number) => (e: unknown) => (e as grpc.ServiceError).code === c;

describe("content stores served in the session", () => {
  let base: string;
  let daemon: FakeDaemon;
  let session: Session;
  let run: Promise<void>;
  let client: grpc.Client;
  let out: string;
  let src: string;
  const blob = Buffer.from("a cache layer\n".repeat(1000));
  before(async () => {
    base = await mkdtemp(join(tmpdir(), "content-"));
    out = join(base, "out");
    src = join(base, "src");
    await mkdir(join(src, "blobs", "sha256"), { recursive: true });
    await writeFile(join(src, "blobs", "sha256", sha("old").slice(7)), "old");
    await symlink("/etc/passwd", join(src, "blobs", "sha256", sha("link").slice(7)));
    const stores = new Map([
      [`local:${out}`, new OciContentStore(out, true)],
      [`local:${src}`, new OciContentStore(src, false)],
    ]);
    for (const s of stores.values()) await s.prepare();
    daemon = await fakeDaemon(base);
    session = new Session({ contentStores: stores });
    run = session.run(daemon.control);
    client = (await daemon.session()).client;
  });
  after(async () => {
    await session.close();
    await run;
    await daemon.close();
    await rm(base, { recursive: true, force: true });
  });

  it("advertises every method of the service", () => {
    for (const m of ["Info", "Update", "List", "Delete", "Read", "Status", "ListStatuses", "Write", "Abort"]) assert.ok(session.methods.includes(PATH + m), m);
  });

  it("writes a blob as the daemon does (stat, writes, commit) and reads it back", async () => {
    const ref = "layer-1";
    const answers = await write(client, `local:${out}`, [
      { action: WriteAction.STAT, ref, total: blob.length, expected: sha(blob) },
      { action: WriteAction.WRITE, offset: 0, data: blob.subarray(0, 5000) },
      { action: WriteAction.WRITE, offset: 5000, data: blob.subarray(5000) },
      { action: WriteAction.COMMIT, offset: blob.length, total: blob.length, expected: sha(blob) },
    ]);
    assert.deepEqual(
      answers.map((a) => Number(a.offset)),
      [0, 5000, blob.length, blob.length],
    );
    assert.equal(answers[3]!.digest, sha(blob));
    assert.deepEqual(await readFile(join(out, "blobs", "sha256", sha(blob).slice(7))), blob);
    assert.deepEqual(await readdir(join(out, "ingest")), [], "no partial file left");
    const info = await unary<{ info: { digest: string; size: string } }>(client, "Info", `local:${out}`, { digest: sha(blob) });
    assert.equal(info.info.digest, sha(blob));
    assert.equal(Number(info.info.size), blob.length);
    assert.deepEqual(await read(client, `local:${out}`, sha(blob)), blob);
    assert.deepEqual(await read(client, `local:${out}`, sha(blob), 100, 50), blob.subarray(100, 150));
    const list = await new Promise<string[]>((res, rej) => {
      const d = def("List");
      const call = client.makeServerStreamRequest(PATH + "List", d.requestSerialize, d.responseDeserialize, {}, md(`local:${out}`));
      const names: string[] = [];
      call.on("data", (r: { info: Array<{ digest: string }> }) => names.push(...r.info.map((i) => i.digest)));
      call.on("error", rej);
      call.on("end", () => res(names));
    });
    assert.deepEqual(list, [sha(blob)]);
  });

  it("answers ALREADY_EXISTS for a blob it has, and keeps it", async () => {
    await assert.rejects(
      write(client, `local:${out}`, [{ action: WriteAction.STAT, ref: "again", total: blob.length, expected: sha(blob) }]),
      code(grpc.status.ALREADY_EXISTS),
    );
    assert.deepEqual(await readFile(join(out, "blobs", "sha256", sha(blob).slice(7))), blob);
  });

  it("refuses a commit whose size or digest is not what was declared, and stores nothing", async () => {
    const data = Buffer.from("not what was announced");
    await assert.rejects(
      write(client, `local:${out}`, [
        { action: WriteAction.STAT, ref: "liar", total: data.length, expected: sha("something else") },
        { action: WriteAction.COMMIT, offset: 0, data },
      ]),
      code(grpc.status.FAILED_PRECONDITION),
    );
    await assert.rejects(
      write(client, `local:${out}`, [
        { action: WriteAction.STAT, ref: "short", total: data.length + 1 },
        { action: WriteAction.COMMIT, offset: 0, data },
      ]),
      code(grpc.status.FAILED_PRECONDITION),
    );
    assert.ok(!existsSync(join(out, "blobs", "sha256", sha(data).slice(7))));
    assert.deepEqual(await readdir(join(out, "ingest")), []);
  });

  it("refuses writes out of order", async () => {
    await assert.rejects(
      write(client, `local:${out}`, [
        { action: WriteAction.WRITE, ref: "gap", offset: 0, data: Buffer.from("abc") },
        { action: WriteAction.WRITE, offset: 10, data: Buffer.from("def") },
      ]),
      code(grpc.status.OUT_OF_RANGE),
    );
  });

  it("reads a cache source but never writes into it", async () => {
    assert.equal((await read(client, `local:${src}`, sha("old"))).toString(), "old");
    await assert.rejects(write(client, `local:${src}`, [{ action: WriteAction.STAT, ref: "x", total: 3 }]), code(grpc.status.PERMISSION_DENIED));
    await assert.rejects(unary(client, "Delete", `local:${out}`, { digest: sha(blob) }), code(grpc.status.PERMISSION_DENIED));
    assert.ok(existsSync(join(out, "blobs", "sha256", sha(blob).slice(7))));
  });

  it("refuses a link planted in the layout, bad digests, unknown stores and calls without a store", async () => {
    await assert.rejects(unary(client, "Info", `local:${src}`, { digest: sha("link") }), code(grpc.status.FAILED_PRECONDITION));
    await assert.rejects(read(client, `local:${src}`, sha("link")), code(grpc.status.FAILED_PRECONDITION));
    for (const digest of ["sha256:../../../etc/passwd", "md5:abc", `sha256:${"A".repeat(64)}`, ""]) {
      await assert.rejects(unary(client, "Info", `local:${out}`, { digest }), code(grpc.status.INVALID_ARGUMENT), digest);
    }
    await assert.rejects(unary(client, "Info", `local:${base}/elsewhere`, { digest: sha(blob) }), code(grpc.status.NOT_FOUND));
    await assert.rejects(unary(client, "Info", undefined, { digest: sha(blob) }), code(grpc.status.INVALID_ARGUMENT));
    await assert.rejects(unary(client, "Info", `local:${out}`, { digest: sha("absent") }), code(grpc.status.NOT_FOUND));
  });

  it("refuses a layout whose blobs directory is a link", async () => {
    const evil = join(base, "evil");
    await mkdir(evil);
    await symlink(join(base, "src", "blobs"), join(evil, "blobs"));
    await assert.rejects(new OciContentStore(evil, true).prepare(), /is a symbolic link, not a directory: refused/);
  });
});
