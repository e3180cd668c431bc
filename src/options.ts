import { OptionError } from "./errors.js";
import { archProfile, isArchName, supportedArchs, type ArchName, type ArchProfile } from "./arch/profiles.js";
import { EDITIONS, type Edition } from "./book/types.js";
import { join } from "node:path";
import { availableReleases, loadBookDir } from "./book/load.js";
import { stagesDir } from "./paths.js";
import { charmaps, charmapsOf, keymaps, locales, timezones } from "./system-names.js";
import { dockerfileValue, type ValueKind } from "./text/dockerfile-value.js";
import { KCONFIG_ACCEPTED, kconfigBadLine } from "./book/kconfig.js";

/** Largest kernel fragment accepted (the book's is under 4 KiB). */
export const MAX_KERNEL_FRAGMENT = 1 << 20;

/** Pinned public images a user can pull; the host stage installs what the book needs if it is missing. */
export const DEFAULT_HOST_IMAGE = "debian:12.11-slim";
export const DEFAULT_ISO_IMAGE = "debian:12.11-slim";
/** The dockerfile frontend image named by `--syntax` when no other is given. */
export const DEFAULT_SYNTAX = "docker/dockerfile:1.7";

/** Choices a user makes about the system, rendered into its configuration (chapters 9 to 11). */
export interface SystemConfig {
  hostname: string;
  domain: string;
  timezone: string;
  /** Locale without charmap, e.g. en_US. */
  locale: string;
  charmap: string;
  keymap: string;
  /** Release codename for /etc/os-release and /etc/lsb-release. */
  codename: string;
}

export const DEFAULT_CONFIG: Readonly<SystemConfig> = {
  hostname: "lfs",
  domain: "localdomain",
  timezone: "UTC",
  locale: "en_US",
  charmap: "UTF-8",
  keymap: "us",
  codename: "lfs-docker",
};

export interface GenerateOptions {
  /** Book release (default 12.3). */
  release?: string;
  /**
   * A book directory of your own in the stages/ format (stages/README.md) instead of a release under
   * stages/: a derived book, or a small test book. Its book.json names the release.
   */
  book?: string;
  /** Init system: which edition of the book (default sysv). */
  init?: Edition;
  /** Target architecture (default x86_64). */
  arch?: ArchName | string;
  /** make -j value; default: the builder's core count at build time. */
  jobs?: number;
  /** Run the book's test suites (default false). */
  tests?: boolean;
  /** Base image of the host and sources stages. */
  hostImage?: string;
  /** Base image of the iso-builder stage. */
  isoImage?: string;
  /** Add a `# syntax=` line: true for the default frontend image, or an image reference. */
  syntax?: boolean | string;
  /** Compression of the system squashfs (default zstd). */
  squashfsCompression?: "zstd" | "xz" | "gzip";
  /**
   * Where the host stage (chapters 4-6, cross-compiling) runs: `build` (default), the build machine's
   * platform, natively whatever the target; or `target`, the target's platform, emulated on another
   * machine (the original project's approach; for comparisons).
   */
  hostPlatform?: "build" | "target";
  /** Extra Kconfig lines merged after the book's fragment. */
  kernelFragment?: string;
  /**
   * Stop after this book section (e.g. "5.5"): the Dockerfile ends with the stage holding it, which
   * becomes the default target. For debugging a section, and for quick checks of the early chapters.
   */
  until?: string;
  /** System configuration (hostname, timezone, ...). */
  config?: Partial<SystemConfig>;
}

/** Options with every default applied and every value checked. */
export interface ResolvedOptions {
  release: string;
  /** The book's directory, absolute. */
  bookDir: string;
  init: Edition;
  arch: ArchProfile;
  jobs: number | undefined;
  tests: boolean;
  hostImage: string;
  isoImage: string;
  syntax: string | undefined;
  squashfsCompression: "zstd" | "xz" | "gzip";
  hostPlatform: "build" | "target";
  kernelFragment: string;
  until: string | undefined;
  config: SystemConfig;
}

const IMAGE_REF = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$/;
const COMPRESSIONS = ["zstd", "xz", "gzip"] as const;

/**
 * The one rule for options entering the Dockerfile: `value` unchanged, or an OptionError when it could
 * end a line, a heredoc or a quoted string there (see text/dockerfile-value.ts).
 */
export function optionValue(option: string, value: string, kind: ValueKind, accepted: string): string {
  if (typeof value !== "string") throw new OptionError(option, value, accepted);
  return dockerfileValue(value, kind, (why) => new OptionError(option, value, accepted, why));
}

/** An image reference such as `debian:12.11-slim` or `127.0.0.1:5000/team/lfs:12.3` (lower case, at most 512 characters). */
export function isImageReference(value: string): boolean {
  return typeof value === "string" && value.length <= 512 && IMAGE_REF.test(value);
}

function checkImage(option: string, value: string): string {
  const accepted = "an image reference such as debian:12.11-slim or registry:5000/team/image@sha256:<digest>";
  optionValue(option, value, "line", accepted);
  if (value.length > 512 || !IMAGE_REF.test(value)) throw new OptionError(option, value, accepted);
  return value;
}

/** A DNS name per RFC 1123: labels of letters, digits and inner hyphens, 1 to 63 each, 253 in all. */
const LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const isDomain = (v: string) => v.length <= 253 && v.split(".").every((l) => LABEL.test(l));

interface ConfigRule {
  kind: ValueKind;
  accepted: string;
  ok: (value: string, config: SystemConfig) => boolean;
  /** A detail for the message, when the value is refused. */
  detail?: (value: string, config: SystemConfig) => string | undefined;
}

const CONFIG_RULES: Record<keyof SystemConfig, ConfigRule> = {
  hostname: { kind: "quoted", accepted: "a host name (RFC 1123): letters, digits and inner hyphens, at most 63 characters", ok: (v) => LABEL.test(v) },
  domain: {
    kind: "quoted",
    accepted: "a DNS domain (RFC 1123) such as localdomain or example.org: dot-separated labels of letters, digits and inner hyphens",
    ok: (v, c) => isDomain(v) && c.hostname.length + 1 + v.length <= 253,
  },
  timezone: {
    kind: "quoted",
    accepted: "a tz database name such as UTC or Europe/Paris (data/timezones.txt)",
    ok: (v) => v.length <= 64 && timezones().has(v),
  },
  locale: {
    kind: "quoted",
    accepted: "a glibc locale such as en_US or de_DE (language_TERRITORY, without charmap or @modifier; data/locales.txt)",
    ok: (v) => /^[a-z]{2,3}_[A-Z]{2}$/.test(v) && locales().has(v),
  },
  charmap: {
    kind: "quoted",
    accepted: "a character map glibc supports for the locale, such as UTF-8 or ISO-8859-1 (data/locales.txt)",
    ok: (v, c) => v.length <= 32 && charmaps().has(v) && charmapsOf(c.locale).includes(v),
    detail: (v, c) => (charmaps().has(v) ? `${c.locale} is supported with ${charmapsOf(c.locale).join(", ")}` : undefined),
  },
  keymap: { kind: "quoted", accepted: "a console keymap such as us or de-latin1 (data/keymaps.txt)", ok: (v) => v.length <= 64 && keymaps().has(v) },
  codename: { kind: "quoted", accepted: "letters, digits, spaces, dots, hyphens and underscores, at most 64", ok: (v) => /^[A-Za-z0-9 ._-]{1,64}$/.test(v) },
};

function checkConfig(config: Partial<SystemConfig> | undefined): SystemConfig {
  const out: SystemConfig = { ...DEFAULT_CONFIG, ...config };
  for (const key of Object.keys(CONFIG_RULES) as (keyof SystemConfig)[]) {
    const rule = CONFIG_RULES[key];
    const value = optionValue(key, out[key], rule.kind, rule.accepted);
    if (!rule.ok(value, out)) throw new OptionError(key, value, rule.accepted, rule.detail?.(value, out));
  }
  return out;
}

function checkKernelFragment(fragment: string): string {
  optionValue("kernel fragment", fragment, "text", KCONFIG_ACCEPTED);
  if (fragment.length > MAX_KERNEL_FRAGMENT) throw new OptionError("kernel fragment", fragment, KCONFIG_ACCEPTED, "larger than 1 MiB");
  const bad = kconfigBadLine(fragment);
  if (bad) throw new OptionError("kernel fragment", bad.line, KCONFIG_ACCEPTED, `line ${bad.number}`);
  return fragment;
}

/** Apply defaults and check every option; throws OptionError naming the bad value and the accepted ones. */
export function resolveOptions(options: GenerateOptions = {}): ResolvedOptions {
  let release: string;
  let bookDir: string;
  if (options.book !== undefined) {
    if (typeof options.book !== "string" || options.book === "" || options.book.includes("\0"))
      throw new OptionError("book", options.book, "a directory holding book.json (see stages/README.md)");
    const book = loadBookDir(options.book);
    if (options.release !== undefined && options.release !== book.release) {
      throw new OptionError("release", options.release, [book.release], `the book in ${options.book} is release ${book.release}`);
    }
    release = book.release;
    bookDir = book.path;
  } else {
    release = options.release ?? "12.3";
    const releases = availableReleases();
    if (!releases.includes(release)) throw new OptionError("release", release, releases);
    bookDir = join(stagesDir(), `lfs-${release}`);
  }

  const init = options.init ?? "sysv";
  if (!(EDITIONS as readonly string[]).includes(init)) throw new OptionError("init", init, EDITIONS);

  const archName = options.arch ?? "x86_64";
  const supported = supportedArchs();
  if (!isArchName(archName) || !supported.includes(archName)) {
    throw new OptionError("arch", archName, supported, isArchName(archName) ? "not supported yet" : undefined);
  }

  const jobs = options.jobs;
  if (jobs !== undefined && (!Number.isInteger(jobs) || jobs < 1 || jobs > 1024)) {
    throw new OptionError("jobs", jobs, "a whole number from 1 to 1024 (omit it to use the builder's core count)");
  }
  const hostPlatform = options.hostPlatform ?? "build";
  if (hostPlatform !== "build" && hostPlatform !== "target") throw new OptionError("host platform", hostPlatform, ["build", "target"]);
  const compression = options.squashfsCompression ?? "zstd";
  if (!(COMPRESSIONS as readonly string[]).includes(compression)) throw new OptionError("squashfs compression", compression, COMPRESSIONS);

  let syntax: string | undefined;
  if (options.syntax === true) syntax = DEFAULT_SYNTAX;
  else if (typeof options.syntax === "string") syntax = checkImage("syntax", options.syntax);

  const kernelFragment = checkKernelFragment(options.kernelFragment ?? "");

  const until = options.until;
  if (until !== undefined && (typeof until !== "string" || !/^\d{1,2}\.\d{1,3}$/.test(until)))
    throw new OptionError("until", until, "a book section number such as 5.5 or 8.29");

  return {
    release,
    bookDir,
    init,
    arch: archProfile(archName),
    jobs,
    tests: options.tests ?? false,
    hostImage: checkImage("host image", options.hostImage ?? DEFAULT_HOST_IMAGE),
    isoImage: checkImage("iso image", options.isoImage ?? DEFAULT_ISO_IMAGE),
    syntax,
    squashfsCompression: compression,
    hostPlatform,
    kernelFragment,
    until,
    config: checkConfig(options.config),
  };
}
