/**
 * docker-container://NAME against the real engine. No buildkitd image is available offline, so
 * the container runs a stand-in `buildctl dial-stdio`: a small Python relay from stdio to the
 * engine's BuildKit (`POST /grpc` upgraded to h2c on the mounted docker.sock). The driver side
 * (dockerode exec, stdio demux, bridge) is exactly what talks to a real buildkitd container.
 * Fails (never skips) when the engine is unreachable.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { promisify } from 'node:util';

import { connect } from '../../src/buildkit/index.js';

const run = promisify(execFile);

const FAKE_BUILDCTL = `#!/usr/bin/env python3
import os, socket, sys, threading
if sys.argv[1:] != ['dial-stdio']:
    sys.exit('fake buildctl only supports dial-stdio')
s = socket.socket(socket.AF_UNIX)
s.connect('/var/run/docker.sock')
s.sendall(b'POST /grpc HTTP/1.1\\r\\nHost: docker\\r\\nConnection: Upgrade\\r\\nUpgrade: h2c\\r\\n\\r\\n')
buf = b''
while b'\\r\\n\\r\\n' not in buf:
    chunk = s.recv(4096)
    if not chunk:
        sys.exit('engine closed the connection')
    buf += chunk
head, rest = buf.split(b'\\r\\n\\r\\n', 1)
if b' 101 ' not in head.split(b'\\r\\n')[0]:
    sys.exit(head.decode())
if rest:
    os.write(1, rest)
def upstream():
    while True:
        d = os.read(0, 65536)
        if not d:
            s.shutdown(socket.SHUT_WR)
            return
        s.sendall(d)
threading.Thread(target=upstream, daemon=True).start()
while True:
    d = s.recv(65536)
    if not d:
        break
    os.write(1, d)
`;

describe('docker-container:// connection helper', () => {
  let base: string;
  const name = `lfs-docker-bk-it-${process.pid}-${Date.now()}`;
  let setupError: unknown;
  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'bk-ctr-'));
    await writeFile(join(base, 'buildctl'), FAKE_BUILDCTL);
    await chmod(join(base, 'buildctl'), 0o755);
    try {
      await run('docker', [
        'run', '-d', '--rm', '--name', name, '--network', 'none',
        '-v', '/var/run/docker.sock:/var/run/docker.sock',
        '-v', `${join(base, 'buildctl')}:/usr/local/bin/buildctl:ro`,
        'lfs-docker/host:bookworm', 'sleep', '600',
      ]);
    } catch (err) {
      setupError = err;
    }
  });
  // No skip: without the engine every test fails with the reason.
  beforeEach(() => {
    if (setupError !== undefined) throw setupError;
  });
  after(async () => {
    await run('docker', ['rm', '-f', name]).catch(() => {});
    await rm(base, { recursive: true, force: true });
  });

  it('talks to BuildKit through `docker exec ... buildctl dial-stdio`', async () => {
    await using client = await connect(`docker-container://${name}`, { connectTimeoutMs: 60_000 });
    const workers = await client.workers();
    assert.ok(workers[0]!.platforms.includes('linux/amd64'));
    const ctx = join(base, 'ctx');
    await mkdir(ctx);
    await writeFile(join(ctx, 'hello.txt'), 'through the container\n');
    const dest = join(base, 'out');
    await client.solve({ context: ctx, dockerfileText: 'FROM scratch\nCOPY hello.txt /\n', exports: [{ type: 'local', dest }] });
    assert.equal(await readFile(join(dest, 'hello.txt'), 'utf8'), 'through the container\n');
  });

  it('reports a missing container', async () => {
    await assert.rejects(connect('docker-container://lfs-docker-no-such-container'), /no such container|404/i);
  });
});
