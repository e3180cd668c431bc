/**
 * The QEMU command line that boots an lfs-docker ISO: the machine, firmware and medium for each
 * architecture, and where Debian installs the programs and firmware. Pure but for the file lookups.
 */
import { accessSync, constants, existsSync, readFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { arch as hostArch } from "node:os";
import { LfsDockerError, OptionError } from "../errors.js";
import type { ArchName } from "../arch/profiles.js";

export type Firmware = "bios" | "uefi";
export type Medium = "cdrom" | "disk";
export type Accel = "auto" | "kvm" | "tcg";

export const FIRMWARES: readonly Firmware[] = ["bios", "uefi"];
export const MEDIA: readonly Medium[] = ["cdrom", "disk"];
export const ACCELS: readonly Accel[] = ["auto", "kvm", "tcg"];

/** QEMU is missing, or its firmware: says which Debian package to install. */
export class MissingToolError extends LfsDockerError {
  constructor(what: string, debianPackage: string) {
    super("E_MISSING_TOOL", `${what} not found: install it (Debian: apt-get install ${debianPackage})`);
    this.name = "MissingToolError";
  }
}

interface MachineSpec {
  binary: string;
  /** Debian package of the binary. */
  package: string;
  firmwares: readonly Firmware[];
  /** UEFI firmware: code (read-only) and a template of the variable store, candidates in order. */
  uefi: { code: string[]; vars: string[]; package: string };
  /** The guest's serial console device, as the kernel names it. */
  console: string;
  /** Host CPU (node's os.arch()) on which KVM can run this guest. */
  kvmHost: string;
}

const MACHINES: Partial<Record<ArchName, MachineSpec>> = {
  x86_64: {
    binary: "qemu-system-x86_64",
    package: "qemu-system-x86",
    firmwares: ["bios", "uefi"],
    uefi: {
      code: ["/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/share/OVMF/OVMF_CODE.fd", "/usr/share/qemu/OVMF_CODE.fd"],
      vars: ["/usr/share/OVMF/OVMF_VARS_4M.fd", "/usr/share/OVMF/OVMF_VARS.fd", "/usr/share/qemu/OVMF_VARS.fd"],
      package: "ovmf",
    },
    console: "ttyS0",
    kvmHost: "x64",
  },
  aarch64: {
    binary: "qemu-system-aarch64",
    package: "qemu-system-arm",
    firmwares: ["uefi"],
    uefi: {
      code: ["/usr/share/AAVMF/AAVMF_CODE.fd", "/usr/share/qemu-efi-aarch64/QEMU_EFI.fd"],
      vars: ["/usr/share/AAVMF/AAVMF_VARS.fd"],
      package: "qemu-efi-aarch64",
    },
    console: "ttyAMA0",
    kvmHost: "arm64",
  },
};

export interface QemuOptions {
  iso: string;
  arch: ArchName;
  firmware: Firmware;
  medium: Medium;
  /** MiB of guest memory. */
  memory: number;
  accel: Accel;
  /** A writable copy of the UEFI variable store (made by the caller), when firmware is uefi. */
  uefiVars?: string;
  /** File receiving the firmware's debug console (x86: SeaBIOS prints its banner there). */
  debugLog?: string;
  /**
   * Unix socket on which QEMU serves the serial console (it waits for one client before the machine
   * starts, so nothing is missed). Without it the console is QEMU's stdin/stdout.
   */
  consoleSocket?: string;
}

export interface QemuCommand {
  binary: string;
  args: string[];
  /** The accelerators QEMU is asked to try, in order. */
  accel: string[];
}

/**
 * A path as a value of a QEMU option (`-drive file=PATH,...`, `-chardev ...,path=PATH`): QEMU splits
 * options at commas and reads a doubled comma as one, so a comma in the path is doubled; otherwise
 * `x.iso,file=/etc/shadow` would name another file.
 */
export function qemuPath(path: string): string {
  return path.replaceAll(",", ",,");
}

/** Find an executable on PATH. */
export function which(program: string, path = process.env.PATH ?? ""): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, program);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      /* next */
    }
  }
  return undefined;
}

function machine(arch: ArchName): MachineSpec {
  const m = MACHINES[arch];
  if (!m) throw new OptionError("arch", arch, Object.keys(MACHINES), "lfs-docker boot has no machine for it");
  return m;
}

/** The guest's serial console device for an architecture (ttyS0, ttyAMA0). */
export const guestConsole = (arch: ArchName): string => machine(arch).console;

/** The UEFI firmware files for an architecture: code, and the template of the variable store (if any). */
export function uefiFirmware(arch: ArchName): { code: string; vars?: string } {
  const m = machine(arch);
  const code = m.uefi.code.find((f) => existsSync(f));
  if (!code) throw new MissingToolError(`UEFI firmware for ${arch} (${m.uefi.code.join(" or ")})`, m.uefi.package);
  const vars = m.uefi.vars.find((f) => existsSync(f));
  return vars ? { code, vars } : { code };
}

/**
 * Whether KVM can run this guest here: same CPU architecture, a usable /dev/kvm and, on x86, a CPU that
 * shows its virtualisation extensions (vmx or svm). A /dev/kvm without them exists in some sandboxes and
 * opens fine, but runs a guest many times slower than TCG (measured: GRUB took a minute to start).
 */
export function kvmUsable(arch: ArchName, cpuinfo = (): string => readFileSync("/proc/cpuinfo", "utf8")): boolean {
  if (hostArch() !== machine(arch).kvmHost) return false;
  try {
    accessSync("/dev/kvm", constants.R_OK | constants.W_OK);
    if (arch === "x86_64" && !/^flags\s*:.*\b(vmx|svm)\b/m.test(cpuinfo())) return false;
    return true;
  } catch {
    return false;
  }
}

/** Check the options and build the QEMU command line (throws MissingToolError when QEMU is missing). */
export function qemuCommand(o: QemuOptions, resolve: (program: string) => string | undefined = which): QemuCommand {
  const m = machine(o.arch);
  if (!FIRMWARES.includes(o.firmware)) throw new OptionError("firmware", o.firmware, FIRMWARES);
  if (!m.firmwares.includes(o.firmware)) throw new OptionError("firmware", o.firmware, m.firmwares, `${o.arch} machines boot with ${m.firmwares.join(" or ")}`);
  if (!MEDIA.includes(o.medium)) throw new OptionError("medium", o.medium, MEDIA);
  if (!ACCELS.includes(o.accel)) throw new OptionError("accel", o.accel, ACCELS);
  if (!Number.isInteger(o.memory) || o.memory < 64 || o.memory > 65536) throw new OptionError("memory", o.memory, "MiB, a whole number from 64 to 65536");
  const binary = resolve(m.binary);
  if (!binary) throw new MissingToolError(m.binary, m.package);

  const accel = o.accel === "auto" ? (kvmUsable(o.arch) ? ["kvm", "tcg"] : ["tcg"]) : [o.accel];
  // The console on a socket rather than QEMU's stdio: QEMU's stdio back end spins when stdin is the
  // socket pair Node gives a child process (seen as a boot forty times slower under TCG).
  const serial = o.consoleSocket
    ? ["-chardev", `socket,id=console,path=${qemuPath(o.consoleSocket)},server=on,wait=on`, "-serial", "chardev:console"]
    : ["-serial", "stdio"];
  const args: string[] = ["-m", String(o.memory), "-display", "none", "-monitor", "none", ...serial, "-no-reboot", "-nic", "none"];
  for (const a of accel) args.push("-accel", a);

  if (o.arch === "x86_64") {
    args.push("-machine", "pc");
    if (o.debugLog) args.push("-chardev", `file,id=fwlog,path=${qemuPath(o.debugLog)}`, "-device", "isa-debugcon,iobase=0x402,chardev=fwlog");
    if (o.medium === "cdrom") args.push("-drive", `file=${qemuPath(o.iso)},format=raw,media=cdrom,readonly=on,if=ide,index=2`);
    // A hard disk, as a USB stick is: the hybrid image's MBR (BIOS) or GPT and ESP (UEFI) boot it.
    // snapshot=on: the guest's writes go to a temporary file, never into the ISO.
    else args.push("-drive", `file=${qemuPath(o.iso)},format=raw,media=disk,snapshot=on,if=ide,index=0`);
  } else {
    args.push("-machine", "virt", "-cpu", "cortex-a57", "-device", "virtio-scsi-pci,id=scsi");
    if (o.medium === "cdrom")
      args.push("-drive", `file=${qemuPath(o.iso)},format=raw,media=cdrom,readonly=on,if=none,id=medium`, "-device", "scsi-cd,drive=medium");
    else args.push("-drive", `file=${qemuPath(o.iso)},format=raw,snapshot=on,if=none,id=medium`, "-device", "scsi-hd,drive=medium");
  }

  if (o.firmware === "uefi") {
    const fw = uefiFirmware(o.arch);
    args.push("-drive", `if=pflash,format=raw,unit=0,readonly=on,file=${qemuPath(fw.code)}`);
    if (o.uefiVars) args.push("-drive", `if=pflash,format=raw,unit=1,file=${qemuPath(o.uefiVars)}`);
  }
  return { binary, args, accel };
}
