import { statfsSync } from "node:fs";
import type { CommandModule } from "yargs";
import { connect } from "../../buildkit/client.js";
import { archProfile, supportedArchs } from "../../arch/profiles.js";
import type { Io } from "../run.js";

interface DoctorArgs {
  builder?: string | undefined;
  json: boolean;
}

export function doctorCommand(io: Io): CommandModule<object, DoctorArgs> {
  return {
    command: "doctor",
    describe: "check the BuildKit daemon: address, version, platforms, cache use and free space",
    builder: (y) =>
      y
        .option("builder", { type: "string", describe: "BuildKit address (default: BUILDKIT_HOST, else the Docker Engine)" })
        .option("json", { type: "boolean", default: false }) as never,
    handler: async (args) => {
      await using client = await connect(args.builder);
      const [workers, version, usage] = await Promise.all([client.workers(), client.version().catch(() => undefined), client.diskUsage()]);
      const platforms = [...new Set(workers.flatMap((w) => w.platforms))];
      const cacheBytes = usage.reduce((n, r) => n + r.size, 0);
      let freeBytes: number | undefined;
      try {
        const s = statfsSync(process.env.TMPDIR ?? "/tmp");
        freeBytes = s.bavail * s.bsize;
      } catch {
        freeBytes = undefined;
      }
      const archs = supportedArchs().map((a) => ({ arch: a, platform: archProfile(a).platform, native: platforms.includes(archProfile(a).platform) }));
      const report = {
        address: client.address,
        buildkit: version?.version ?? workers.find((w) => w.buildkitVersion)?.buildkitVersion?.version ?? "unknown (the daemon does not say)",
        workers: workers.length,
        platforms,
        cacheBytes,
        localFreeBytes: freeBytes,
        architectures: archs,
      };
      if (args.json) {
        io.stdout.write(JSON.stringify(report, null, 1) + "\n");
        return;
      }
      const gib = (n: number) => `${(n / 2 ** 30).toFixed(1)} GiB`;
      io.stdout.write(
        [
          `builder:    ${report.address}`,
          `buildkit:   ${report.buildkit}`,
          `platforms:  ${platforms.join(", ")}`,
          `cache:      ${gib(cacheBytes)} in ${usage.length} records`,
          `free here:  ${freeBytes === undefined ? "unknown" : gib(freeBytes)} (a whole LFS build needs tens of GiB on the daemon's disk)`,
          ...archs.map((a) => `${a.arch.padEnd(10)}  ${a.native ? "ok" : `the builder cannot run ${a.platform}: register QEMU user emulation (apt-get install qemu-user-static binfmt-support)`}`),
        ].join("\n") + "\n",
      );
    },
  };
}
