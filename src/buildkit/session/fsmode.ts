/**
 * fsutil's Stat.mode is Go's os.FileMode, not a POSIX st_mode: type bits live high up.
 * Mirrors Go's io/fs FileMode constants.
 */
import { constants as C } from "node:fs";

export const GoMode = {
  Dir: 0x80000000,
  Append: 1 << 30,
  Exclusive: 1 << 29,
  Temporary: 1 << 28,
  Symlink: 1 << 27,
  Device: 1 << 26,
  NamedPipe: 1 << 25,
  Socket: 1 << 24,
  Setuid: 1 << 23,
  Setgid: 1 << 22,
  CharDevice: 1 << 21,
  Sticky: 1 << 20,
  Irregular: 1 << 19,
} as const;

const TYPE_MASK = GoMode.Dir | GoMode.Symlink | GoMode.NamedPipe | GoMode.Socket | GoMode.Device | GoMode.CharDevice | GoMode.Irregular;

/** POSIX st_mode → Go FileMode (unsigned 32-bit). */
export function goModeFromPosix(stMode: number): number {
  let m = stMode & 0o777;
  switch (stMode & C.S_IFMT) {
    case C.S_IFDIR:
      m |= GoMode.Dir;
      break;
    case C.S_IFLNK:
      m |= GoMode.Symlink;
      break;
    case C.S_IFBLK:
      m |= GoMode.Device;
      break;
    case C.S_IFCHR:
      m |= GoMode.Device | GoMode.CharDevice;
      break;
    case C.S_IFIFO:
      m |= GoMode.NamedPipe;
      break;
    case C.S_IFSOCK:
      m |= GoMode.Socket;
      break;
    default:
      break;
  }
  if (stMode & 0o4000) m |= GoMode.Setuid;
  if (stMode & 0o2000) m |= GoMode.Setgid;
  if (stMode & 0o1000) m |= GoMode.Sticky;
  return m >>> 0;
}

export type EntryKind = "dir" | "file" | "symlink" | "blockdev" | "chardev" | "fifo" | "socket" | "irregular";

export function kindOfGoMode(mode: number): EntryKind {
  const m = mode >>> 0;
  if (m & GoMode.Dir) return "dir";
  if (m & GoMode.Symlink) return "symlink";
  if (m & GoMode.Device) return m & GoMode.CharDevice ? "chardev" : "blockdev";
  if (m & GoMode.NamedPipe) return "fifo";
  if (m & GoMode.Socket) return "socket";
  if ((m & TYPE_MASK) !== 0) return "irregular";
  return "file";
}

/** The POSIX permission bits (incl. setuid/setgid/sticky) of a Go FileMode. */
export function posixPermFromGoMode(mode: number, allowSetid: boolean): number {
  const m = mode >>> 0;
  let p = m & 0o777;
  if (allowSetid && m & GoMode.Setuid) p |= 0o4000;
  if (allowSetid && m & GoMode.Setgid) p |= 0o2000;
  if (m & GoMode.Sticky) p |= 0o1000;
  return p;
}

/** Linux major/minor from st_rdev (glibc's gnu_dev_major/minor). */
export function devMajorMinor(rdev: bigint): { major: bigint; minor: bigint } {
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
  return { major, minor };
}
