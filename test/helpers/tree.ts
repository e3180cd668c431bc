/** A directory tree as comparable data: path, type, mode, size, content hash, link target, mtime. */
import { createHash } from "node:crypto";
import { lstat, readdir, readFile, readlink } from "node:fs/promises";
import { join } from "node:path";

export interface TreeEntry {
  path: string;
  type: string;
  mode: number;
  size: number;
  sha?: string;
  link?: string;
  mtime?: number;
}

export async function tree(root: string, rel = ""): Promise<TreeEntry[]> {
  const out: TreeEntry[] = [];
  for (const name of (await readdir(join(root, rel))).sort()) {
    const p = rel ? `${rel}/${name}` : name;
    const abs = join(root, p);
    const st = await lstat(abs);
    const e: TreeEntry = {
      path: p,
      type: st.isDirectory() ? "dir" : st.isSymbolicLink() ? "symlink" : st.isFile() ? "file" : "other",
      mode: st.mode & 0o7777,
      size: st.isFile() ? st.size : 0,
    };
    if (st.isFile()) {
      e.sha = createHash("sha256")
        .update(await readFile(abs))
        .digest("hex");
      e.mtime = Math.floor(st.mtimeMs / 1000);
    }
    if (st.isSymbolicLink()) e.link = await readlink(abs);
    out.push(e);
    if (st.isDirectory()) out.push(...(await tree(root, p)));
  }
  return out;
}
