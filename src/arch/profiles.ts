/** Architecture profiles: what differs between targets, in one place. */

export type ArchName = "x86_64" | "aarch64" | "i686" | "riscv64";

export interface ArchProfile {
  /** `uname -m` of the target, and lfs-docker's name for it. */
  readonly name: ArchName;
  /** The book's target triple ($LFS_TGT). */
  readonly triple: string;
  /** Docker/OCI platform of the target system. */
  readonly platform: string;
  /** Linux's ARCH= for this target. */
  readonly kernelArch: string;
  /** Kernel image, relative to the kernel source tree, after `make`. */
  readonly kernelImage: string;
  /** The program interpreter of the target's dynamic executables. */
  readonly dynamicLinker: string;
  /** GRUB platforms the ISO boots with (i386-pc = BIOS El Torito). */
  readonly grubTargets: readonly string[];
  /** Removable-media EFI loader name inside the ESP (EFI/BOOT/...). */
  readonly efiBootFile: string;
  /** Serial console device for the kernel command line. */
  readonly serialConsole: string;
  /** Whether GRUB drives a PC serial port itself (x86); elsewhere the UEFI console is the serial port. */
  readonly grubSerial: boolean;
  /** Debian's name for the architecture (dpkg --print-architecture). */
  readonly debianArch: string;
  /** Whether the generator supports this architecture yet. */
  readonly supported: boolean;
}

const PROFILES: Readonly<Record<ArchName, ArchProfile>> = {
  x86_64: {
    name: "x86_64",
    triple: "x86_64-lfs-linux-gnu",
    platform: "linux/amd64",
    kernelArch: "x86",
    kernelImage: "arch/x86/boot/bzImage",
    dynamicLinker: "/lib64/ld-linux-x86-64.so.2",
    grubTargets: ["i386-pc", "x86_64-efi"],
    efiBootFile: "BOOTX64.EFI",
    serialConsole: "ttyS0",
    grubSerial: true,
    debianArch: "amd64",
    supported: true,
  },
  aarch64: {
    name: "aarch64",
    triple: "aarch64-lfs-linux-gnu",
    platform: "linux/arm64",
    kernelArch: "arm64",
    kernelImage: "arch/arm64/boot/Image",
    dynamicLinker: "/lib/ld-linux-aarch64.so.1",
    grubTargets: ["arm64-efi"],
    efiBootFile: "BOOTAA64.EFI",
    serialConsole: "ttyAMA0",
    grubSerial: false,
    debianArch: "arm64",
    supported: true,
  },
  i686: {
    name: "i686",
    triple: "i686-lfs-linux-gnu",
    platform: "linux/386",
    kernelArch: "x86",
    kernelImage: "arch/x86/boot/bzImage",
    dynamicLinker: "/lib/ld-linux.so.2",
    grubTargets: ["i386-pc", "i386-efi"],
    efiBootFile: "BOOTIA32.EFI",
    serialConsole: "ttyS0",
    grubSerial: true,
    debianArch: "i386",
    supported: false,
  },
  riscv64: {
    name: "riscv64",
    triple: "riscv64-lfs-linux-gnu",
    platform: "linux/riscv64",
    kernelArch: "riscv",
    kernelImage: "arch/riscv/boot/Image",
    dynamicLinker: "/lib/ld-linux-riscv64-lp64d.so.1",
    grubTargets: ["riscv64-efi"],
    efiBootFile: "BOOTRISCV64.EFI",
    serialConsole: "ttyS0",
    grubSerial: false,
    debianArch: "riscv64",
    supported: false,
  },
};

/** Every profile lfs-docker knows, supported or not. */
export const allArchProfiles = (): readonly ArchProfile[] => Object.values(PROFILES);

/** The architectures the generator accepts today. */
export const supportedArchs = (): ArchName[] =>
  allArchProfiles()
    .filter((p) => p.supported)
    .map((p) => p.name);

export function isArchName(value: string): value is ArchName {
  return Object.hasOwn(PROFILES, value);
}

export function archProfile(name: ArchName): ArchProfile {
  return PROFILES[name];
}
