import { statfsSync } from "node:fs";
import type { CommandModule } from "yargs";
import { limitations } from "../../buildkit/capabilities.js";
import { connect } from "../../buildkit/client.js";
import { describeGcPolicy, gcKeepBytes } from "../../buildkit/gc-policy.js";
import { archProfile, supportedArchs } from "../../arch/profiles.js";
import type { Io } from "../run.js";

interface DoctorArgs {
  builder?: string | undefined;
  json: boolean;
  probe: boolean;
}

/** About what the build cache of a whole LFS build takes (both editions' chapters 5 to 11). */
const LFS_CACHE_BYTES = 40 * 2 ** 30;

export function doctorCommand(io: Io): CommandModule<object, DoctorArgs> {
  return {
    command: "doctor",
    describe: "check the BuildKit daemon: address, version, what it can build, platforms, cache use and free space",
    builder: (y) =>
      y
        .option("builder", { type: "string", describe: "BuildKit address (default: BUILDKIT_HOST, else the Docker Engine)" })
        .option("json", { type: "boolean", default: false })
        .option("probe", {
          type: "boolean",
          default: true,
          describe: "try the Dockerfile features lfs-docker needs (heredocs, named contexts) with two tiny builds that export nothing",
        }) as never,
    handler: async (args) => {
      await using client = await connect(args.builder);
      const [workers, usage, caps] = await Promise.all([client.workers(), client.diskUsage(), client.capabilities()]);
      const features = args.probe ? await client.probeDockerfileFeatures() : undefined;
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
      const flag = (v: boolean | Error | undefined): boolean | string | null => (v === undefined ? null : v instanceof Error ? `unknown: ${v.message}` : v);
      const known = (v: boolean | Error | undefined): boolean | undefined => (typeof v === "boolean" ? v : undefined);
      const cannot = limitations(caps, { heredocs: known(features?.heredocs), namedContexts: known(features?.namedContexts) });
      const reported = caps.reportedBuildkitVersion;
      const buildkit = caps.buildkitVersion
        ? `${caps.buildkitVersion}${reported && caps.buildkitVersion !== reported.replace(/^v/, "") ? ` (the daemon reports ${reported})` : ""}${!reported && caps.engineVersion ? " (the Docker release's; the daemon does not say)" : ""}`
        : reported
          ? `unknown (the daemon reports ${reported})`
          : "unknown (the daemon does not say)";
      const report = {
        address: client.address,
        engine: caps.engineVersion ?? null,
        buildkit,
        daemon: caps.label,
        workers: workers.length,
        platforms,
        capabilities: {
          exporterList: caps.exporterList,
          infoRpc: caps.infoRpc,
          heredocs: flag(features?.heredocs),
          namedContexts: flag(features?.namedContexts),
        },
        cannot,
        canBuildGeneratedDockerfiles: features ? features.heredocs === true : null,
        cacheBytes,
        gc: { keepBytes: gcKeepBytes(workers) ?? null, policy: workers.flatMap((w) => w.gcPolicy), summary: describeGcPolicy(workers) },
        localFreeBytes: freeBytes,
        architectures: archs,
      };
      if (args.json) {
        io.stdout.write(JSON.stringify(report, null, 1) + "\n");
        return;
      }
      const gib = (n: number) => `${(n / 2 ** 30).toFixed(1)} GiB`;
      const yes = (v: boolean | Error | undefined) => (v === undefined ? "not tried" : v instanceof Error ? `unknown (${v.message.split("\n")[0]})` : v ? "yes" : "no");
      io.stdout.write(
        [
          `builder:    ${report.address}`,
          ...(caps.engineVersion ? [`engine:     Docker ${caps.engineVersion}`] : []),
          `buildkit:   ${report.buildkit}`,
          `platforms:  ${platforms.join(", ")}`,
          `heredocs:   ${yes(features?.heredocs)}`,
          `named ctx:  ${yes(features?.namedContexts)}`,
          `exports:    ${caps.exporterList ? "several per build" : "one per build (several run as one build each)"}`,
          ...(cannot.length > 0 ? [`cannot:     ${cannot.join("\n            ")}`] : []),
          ...(features && features.heredocs === false
            ? [`verdict:    ${caps.label} cannot build lfs-docker's Dockerfiles; use Docker >= 23 (scripts/engine-setup.sh installs Docker 26)`]
            : []),
          `cache:      ${gib(cacheBytes)} in ${usage.length} records`,
          `gc:         ${describeGcPolicy(workers)}`,
          ...(report.gc.keepBytes !== null && report.gc.keepBytes < LFS_CACHE_BYTES
            ? [`            less than a whole LFS build's cache (tens of GiB): sections finished by one build may be gone by the next, and are built again; raise the limit (Docker Engine: builder.gc.defaultKeepStorage in daemon.json; buildkitd: gckeepstorage in buildkitd.toml)`]
            : []),
          `free here:  ${freeBytes === undefined ? "unknown" : gib(freeBytes)} (a whole LFS build needs tens of GiB on the daemon's disk)`,
          ...archs.map((a) => `${a.arch.padEnd(10)}  ${a.native ? "ok" : `the builder cannot run ${a.platform}: register QEMU user emulation (apt-get install qemu-user-static binfmt-support)`}`),
        ].join("\n") + "\n",
      );
    },
  };
}
