import { readBoundedText } from "../../fs/bounded-read.js";
import type { Argv } from "yargs";
import { allArchProfiles } from "../../arch/profiles.js";
import { EDITIONS } from "../../book/types.js";
import { DEFAULT_CONFIG, DEFAULT_HOST_IMAGE, DEFAULT_ISO_IMAGE, MAX_KERNEL_FRAGMENT, type GenerateOptions, type SystemConfig } from "../../options.js";
import { OptionError } from "../../errors.js";

/** The options shared by every command that renders a Dockerfile (generate, build, ...). */
export function withBookOptions<T>(y: Argv<T>) {
  return y
    .option("release", { type: "string", describe: "LFS book release (default 12.3)" })
    .option("book", { type: "string", describe: "a book directory of your own in the stages/ format, instead of --release" })
    .option("init", { type: "string", default: "sysv", describe: `init system / book edition (${EDITIONS.join(", ")})` })
    .option("arch", {
      type: "string",
      default: "x86_64",
      describe: `target architecture (${allArchProfiles()
        .map((p) => p.name)
        .join(", ")})`,
    })
    .option("jobs", { type: "number", describe: "make -j value (default: the builder's core count at build time)" })
    .option("tests", { type: "boolean", default: false, describe: "run the book's test suites" })
    .option("host-image", { type: "string", default: DEFAULT_HOST_IMAGE, describe: "base image of the host stage" })
    .option("iso-image", { type: "string", default: DEFAULT_ISO_IMAGE, describe: "base image of the iso-builder stage" })
    .option("syntax", { type: "string", describe: "add a # syntax= line (for engines older than Docker 23); without a value: docker/dockerfile:1.7" })
    .option("squashfs-compression", { type: "string", default: "zstd", describe: "squashfs compression (zstd, xz, gzip)" })
    .option("host-platform", {
      type: "string",
      default: "build",
      describe: "where chapters 4-6 run: build (the build machine, cross-compiling) or target (emulated)",
    })
    .option("kernel-fragment", { type: "string", describe: "file of extra kernel Kconfig lines, merged after the book's" })
    .option("until", { type: "string", describe: "stop after this book section (e.g. 5.5): a shorter Dockerfile for debugging" })
    .option("hostname", { type: "string", default: DEFAULT_CONFIG.hostname })
    .option("domain", { type: "string", default: DEFAULT_CONFIG.domain })
    .option("timezone", { type: "string", default: DEFAULT_CONFIG.timezone })
    .option("locale", { type: "string", default: DEFAULT_CONFIG.locale, describe: "locale without charmap, e.g. de_DE" })
    .option("charmap", { type: "string", default: DEFAULT_CONFIG.charmap })
    .option("keymap", { type: "string", default: DEFAULT_CONFIG.keymap })
    .option("codename", { type: "string", default: DEFAULT_CONFIG.codename, describe: "release codename in /etc/os-release" })
    .group(["release", "book", "init", "arch", "jobs", "tests", "until"], "Book:")
    .group(["host-image", "iso-image", "host-platform", "syntax", "squashfs-compression", "kernel-fragment"], "Build:")
    .group(["hostname", "domain", "timezone", "locale", "charmap", "keymap", "codename"], "System:");
}

export interface BookArgs {
  release?: string | undefined;
  book?: string | undefined;
  init: string;
  arch: string;
  jobs?: number | undefined;
  tests: boolean;
  "host-image": string;
  "iso-image": string;
  syntax?: string | undefined;
  "squashfs-compression": string;
  "host-platform": string;
  "kernel-fragment"?: string | undefined;
  until?: string | undefined;
  hostname: string;
  domain: string;
  timezone: string;
  locale: string;
  charmap: string;
  keymap: string;
  codename: string;
}

/** Turn parsed flags into library options (values are checked by resolveOptions). */
export function toGenerateOptions(a: BookArgs): GenerateOptions {
  if (a.jobs !== undefined && Number.isNaN(a.jobs)) throw new OptionError("--jobs", "not a number", "a whole number from 1 to 1024");
  let kernelFragment: string | undefined;
  if (a["kernel-fragment"] !== undefined) {
    try {
      // A regular file of bounded size: /dev/zero or a FIFO would exhaust memory or hang.
      kernelFragment = readBoundedText(a["kernel-fragment"], { maxBytes: MAX_KERNEL_FRAGMENT });
    } catch (err) {
      throw new OptionError("--kernel-fragment", a["kernel-fragment"], "a readable regular file of Kconfig lines, at most 1 MiB", (err as Error).message);
    }
  }
  const config: SystemConfig = {
    hostname: a.hostname,
    domain: a.domain,
    timezone: a.timezone,
    locale: a.locale,
    charmap: a.charmap,
    keymap: a.keymap,
    codename: a.codename,
  };
  return {
    ...(a.release !== undefined && { release: a.release }),
    ...(a.book !== undefined && { book: a.book }),
    init: a.init as GenerateOptions["init"] & string,
    arch: a.arch,
    ...(a.jobs !== undefined && { jobs: a.jobs }),
    tests: a.tests,
    hostImage: a["host-image"],
    isoImage: a["iso-image"],
    ...(a.syntax !== undefined && { syntax: a.syntax === "" ? true : a.syntax }),
    squashfsCompression: a["squashfs-compression"] as GenerateOptions["squashfsCompression"],
    hostPlatform: a["host-platform"] as GenerateOptions["hostPlatform"],
    ...(kernelFragment !== undefined && { kernelFragment }),
    ...(a.until !== undefined && { until: a.until }),
    config,
  };
}
