/**
 * What build() takes and gives: its options (buildx's, where buildx has a word) and its result.
 */
import type { ResolvedBuilder } from "./buildkit/builders.js";
import type { BuildEvent } from "./buildkit/status.js";
import type { CacheEntry } from "./buildkit/types.js";
import type { GenerateOptions } from "./options.js";
import type { ProgressMode } from "./progress/index.js";
import type { BuildReport } from "./report/build-report.js";
import type { SectionEvent } from "./section-events.js";
import type { OutputSpec } from "./output-spec.js";

export interface BuildOptions extends GenerateOptions {
  /**
   * Where the result goes, as buildx's `-o` (see output-spec.ts): a directory the artifacts and the
   * report are written to (created when missing), a spec (`type=oci,dest=lfs.oci.tar`,
   * `type=image,name=registry:5000/lfs:12.3,push=true`, `{ type: "cacheonly" }`...), or several.
   * Default: none when `load` or `push` is given, else an error.
   */
  output?: string | OutputSpec | ReadonlyArray<string | OutputSpec>;
  /** buildx's --load: the image (the ISO in a `FROM scratch` image) into the Docker Engine's image store. */
  load?: boolean;
  /** buildx's --push: the image pushed to its registry (needs a name: `tags`, or `type=image,name=…`). */
  push?: boolean;
  /** buildx's --tag: names of the image, oci and docker outputs. */
  tags?: string[];
  /** Directory for build-report.txt/.json/.html (default: the output directory; none with cacheonly). */
  reportDir?: string;
  /** buildx's --metadata-file: the daemon's exporter response and `buildx.build.ref`, as JSON. */
  metadataFile?: string;
  /** Stage to build (default: the Dockerfile's last stage, `iso`). */
  target?: string;
  /**
   * A buildx builder's name (an instance, or a docker context), or a BuildKit address (`unix://`,
   * `tcp://`, `docker://`, `docker-container://NAME`). Default, as buildx: BUILDX_BUILDER, the current
   * builder of `docker buildx use`, then BUILDKIT_HOST, then the engine of the current docker context.
   */
  builder?: string;
  /**
   * With a builder whose nodes have different platforms (`docker buildx create --append --platform
   * ...`): the registry repository (no tag) where a node pushes the stages it built for another
   * (`registry.example:5000/lfs-stages`); every node must reach it. See node-plan.ts. Needed only
   * when the build is split: the target's platform is not the first node's.
   */
  stageRegistry?: string;
  /** buildx's --platform: accepted when it names the platform of `arch` (linux/amd64, linux/arm64). */
  platform?: string | string[];
  /** buildx's --allow: entitlements the build may use (network.host, security.insecure). */
  allow?: string[];
  progress?: ProgressMode;
  /**
   * Directory holding the book's sources, given as the named context `sources` (which replaces the
   * stage that downloads and checks them). The files the build uses are checked here first, against
   * the book's MD5 (and the directory's lock file, if any), unless `verifySources` is false.
   */
  sources?: string;
  /** Check the files of `sources` before the build (default true). */
  verifySources?: boolean;
  noCache?: boolean;
  /**
   * Export the build cache, as buildx's `--cache-to` (repeatable): `type=registry,ref=IMAGE`,
   * `type=local,dest=DIR` (an OCI layout), `type=inline`, another type the builder knows, or a bare
   * IMAGE; strings in buildx's CSV syntax or entries. Exports default to `mode=max`. Docker Engine's
   * own BuildKit exports a cache only with the containerd image store (refused before building).
   */
  cacheTo?: ReadonlyArray<string | CacheEntry>;
  /** Import a build cache, as buildx's `--cache-from` (repeatable): a bare IMAGE, `type=registry,ref=IMAGE`, `type=local,src=DIR`, ... */
  cacheFrom?: ReadonlyArray<string | CacheEntry>;
  /**
   * Something worth knowing that does not stop the build: a cache source with no cache yet, the
   * leftovers of an earlier build that was killed (found in the output, report or temporary directory
   * and removed, or kept and why), a step an earlier build finished being built again (evicted from
   * BuildKit's cache). One message per call.
   */
  onWarning?: (message: string) => void;
  /** buildx's --no-cache-filter: stages built without the cache (the frontend's `no-cache` attribute). */
  noCacheFilter?: string[];
  /** Replace files of the same names already in `output` (and an existing metadata file). */
  force?: boolean;
  /** File holding the root password (the `root_password` secret). */
  rootPasswordFile?: string;
  signal?: AbortSignal;
  onEvent?: (event: BuildEvent) => void;
  /** Book-level events: a section started, was built, came from the cache or failed, with the time left. */
  onSection?: (event: SectionEvent) => void;
  /** Seconds of one SBU on this builder, for the time left before the build measures it (default: the last build's). */
  sbuSeconds?: number;
}

export interface BuildResult {
  /** Paths written: into the output directory, and the tar, OCI and docker outputs. */
  files: string[];
  /** Images stored, loaded or pushed (NAME@DIGEST for a push). */
  images: string[];
  /** The builder that built it. */
  builder: ResolvedBuilder;
  /** What --metadata-file holds, when asked for. */
  metadataFile?: string;
  report: BuildReport;
  /** build-report.txt, when a report directory was given or implied by the output. */
  reportFile?: string;
  /** build-report.html beside it: the same report as a page with a bar per section. */
  htmlReportFile?: string;
}
