import { statfsSync } from "node:fs";
import type { CommandModule } from "yargs";
import { describeGcRule, gcVerdict } from "../../buildkit/gc-policy.js";
import { FULL_BUILD_CACHE_BYTES } from "../../cache-estimate.js";
import { OptionError } from "../../errors.js";
import { archProfile, supportedArchs } from "../../arch/profiles.js";
import type { Io } from "../io.js";

interface DoctorArgs {
  builder?: string | undefined;
  json: boolean;
  probe: boolean;
}

export function doctorCommand(io: Io): CommandModule<object, DoctorArgs> {
  return {
    command: "doctor",
    describe: "check the BuildKit daemon: address, version, what it can build, platforms, cache use and free space",
    builder: (y) =>
      y
        .option("builder", {
          type: "string",
          describe:
            "a buildx builder's name, or a BuildKit address (default: BUILDX_BUILDER, the current buildx builder, BUILDKIT_HOST, else the Docker Engine)",
        })
        .option("json", { type: "boolean", default: false })
        .option("probe", {
          type: "boolean",
          default: true,
          describe: "try the Dockerfile features lfs-docker needs (heredocs, named contexts) with two tiny builds that export nothing",
        }) as never,
    handler: async (args) => {
      const bk = await import("../../buildkit/index.js");
      await using client = await bk.connectBuilder(args.builder).catch((err: unknown) => {
        if (err instanceof bk.BuilderNotFoundError)
          throw new OptionError(err.source, err.requested, err.available, "no such builder instance or docker context");
        throw err;
      });
      const found = await inspect(client, args.probe, bk);
      io.stdout.write(args.json ? JSON.stringify(found.report, null, 1) + "\n" : doctorText(found, bk));
    },
  };
}

type Driver = typeof import("../../buildkit/index.js");
type Client = Awaited<ReturnType<Driver["connectBuilder"]>>;
type Flag = boolean | Error | undefined;

/** The space free where lfs-docker writes its temporary files, when the system says. */
function localFreeBytes(): number | undefined {
  try {
    const s = statfsSync(process.env.TMPDIR ?? "/tmp");
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}

/** The BuildKit version in words: the reported one, the Docker release's, or unknown, and why. */
function buildkitText(caps: {
  buildkitVersion?: string | undefined;
  reportedBuildkitVersion?: string | undefined;
  engineVersion?: string | undefined;
}): string {
  const reported = caps.reportedBuildkitVersion;
  if (caps.buildkitVersion) {
    return `${caps.buildkitVersion}${reported && caps.buildkitVersion !== reported.replace(/^v/, "") ? ` (the daemon reports ${reported})` : ""}${!reported && caps.engineVersion ? " (the Docker release's; the daemon does not say)" : ""}`;
  }
  return reported ? `unknown (the daemon reports ${reported})` : "unknown (the daemon does not say)";
}

/** Everything doctor reports of the builder: `report` is the --json document. */
async function inspect(client: Client, probe: boolean, bk: Driver) {
  const builder = client.builder!;
  const [workers, usage, caps] = await Promise.all([client.workers(), client.diskUsage(), client.capabilities()]);
  const features = probe ? await client.probeDockerfileFeatures() : undefined;
  const platforms = [...new Set(workers.flatMap((w) => w.platforms))];
  const cacheBytes = usage.reduce((n, r) => n + r.size, 0);
  const freeBytes = localFreeBytes();
  const archs = supportedArchs().map((a) => ({ arch: a, platform: archProfile(a).platform, native: platforms.includes(archProfile(a).platform) }));
  const flag = (v: Flag): boolean | string | null => (v === undefined ? null : v instanceof Error ? `unknown: ${v.message}` : v);
  const known = (v: Flag): boolean | undefined => (typeof v === "boolean" ? v : undefined);
  const cannot = bk.limitations(caps, { heredocs: known(features?.heredocs), namedContexts: known(features?.namedContexts) });
  const gc = workers.map((w) => ({
    worker: w.id,
    rules: w.gcPolicy.map((r) => ({ ...r, text: describeGcRule(r) })),
    ...gcVerdict(w.gcPolicy, FULL_BUILD_CACHE_BYTES),
  }));
  const report = {
    builder: { name: builder.name, driver: builder.driver, node: builder.node, source: builder.source },
    address: client.address,
    engine: caps.engineVersion ?? null,
    buildkit: buildkitText(caps),
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
    gcPolicy: gc,
    fullBuildCacheEstimateBytes: FULL_BUILD_CACHE_BYTES,
    localFreeBytes: freeBytes,
    architectures: archs,
  };
  return { report, builder, caps, features, usage, workers };
}

/** doctor's text: one line per finding, as the README shows it. */
function doctorText(d: Awaited<ReturnType<typeof inspect>>, bk: Driver): string {
  const { report, builder, caps, features } = d;
  const gib = (n: number) => `${(n / 2 ** 30).toFixed(1)} GiB`;
  const yes = (v: Flag) => (v === undefined ? "not tried" : v instanceof Error ? `unknown (${v.message.split("\n")[0]})` : v ? "yes" : "no");
  return (
    [
      `builder:    ${bk.describeBuilder(builder)}${builder.buildx ? ` at ${report.address}` : ""}`,
      ...(caps.engineVersion ? [`engine:     Docker ${caps.engineVersion}`] : []),
      `buildkit:   ${report.buildkit}`,
      `platforms:  ${report.platforms.join(", ")}`,
      `heredocs:   ${yes(features?.heredocs)}`,
      `named ctx:  ${yes(features?.namedContexts)}`,
      `exports:    ${caps.exporterList ? "several per build" : "one per build (several run as one build each)"}`,
      ...(report.cannot.length > 0 ? [`cannot:     ${report.cannot.join("\n            ")}`] : []),
      ...(features && features.heredocs === false
        ? [`verdict:    ${caps.label} cannot build lfs-docker's Dockerfiles; use Docker >= 23 (scripts/engine-setup.sh installs Docker 26)`]
        : []),
      `cache:      ${gib(report.cacheBytes)} in ${d.usage.length} records`,
      ...gcLines(report.gcPolicy, d.workers.length > 1),
      `free here:  ${report.localFreeBytes === undefined ? "unknown" : gib(report.localFreeBytes)} (a whole LFS build needs tens of GiB on the daemon's disk)`,
      ...report.architectures.map(
        (a) =>
          `${a.arch.padEnd(10)}  ${a.native ? "ok" : `the builder cannot run ${a.platform}: register QEMU user emulation (apt-get install qemu-user-static binfmt-support)`}`,
      ),
    ].join("\n") + "\n"
  );
}

/** The gc policy of each worker, then any warning (a whole build's cache is an estimate: see cache-estimate.ts). */
function gcLines(gc: Array<{ worker: string; rules: Array<{ text: string }>; warning?: string; note?: string }>, several: boolean): string[] {
  const lines: string[] = [];
  for (const w of gc) {
    const head = `gc policy:  ${several ? `${w.worker}: ` : ""}`;
    const rules =
      w.rules.length > 0 ? w.rules.map((r) => r.text) : ['none reported by the daemon (Docker Engine: "builder": {"gc": ...} in daemon.json decides)'];
    lines.push(...rules.map((r, i) => `${i === 0 ? head : " ".repeat(head.length)}${r}`));
    if (w.warning) lines.push(`warning:    ${w.warning}`);
    if (w.note) lines.push(`note:       ${w.note}`);
  }
  return lines;
}
