/** Checks both driver suites (Docker Engine, Docker 20.10) run the same way. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { BuildKitError, type BuildKitClient } from '../../src/buildkit/index.js';

const run = promisify(execFile);

/**
 * Starts a build whose RUN sleeps for a long, unique time, aborts it once the RUN has logged, and
 * checks the solve fails as CANCELLED and that the daemon killed the RUN's processes.
 */
export async function checkAbortKillsRun(client: BuildKitClient, base: string, hostImage: string): Promise<void> {
  const ctx = join(base, 'ctx-abort');
  await mkdir(ctx);
  const secs = `${2000 + Math.floor(Math.random() * 900)}.${Math.floor(Math.random() * 1e6)}`;
  const ac = new AbortController();
  const t0 = Date.now();
  const p = client.solve({
    context: ctx,
    dockerfileText: `FROM ${hostImage}\nRUN echo started-${secs} && sleep ${secs}\n`,
    noCache: true,
    signal: ac.signal,
    onEvent: (e) => {
      if (e.type === 'log' && e.data.toString().includes(`started-${secs}`)) ac.abort(new Error('test abort'));
    },
  });
  await assert.rejects(p, (e: unknown) => e instanceof BuildKitError && e.code === 'CANCELLED');
  assert.ok(Date.now() - t0 < 60_000);
  // The daemon kills the RUN's processes once the Solve call is cancelled.
  let remaining = '';
  for (let i = 0; i < 40; i++) {
    const { stdout } = await run('ps', ['-eo', 'pid,args']);
    remaining = stdout.split('\n').filter((l) => l.includes(`sleep ${secs}`)).join('\n');
    if (!remaining) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.equal(remaining, '', 'sleep from the cancelled build is still running');
}
