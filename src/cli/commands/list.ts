import type { CommandModule } from "yargs";
import { EDITIONS, type Edition } from "../../book/types.js";
import { OptionError } from "../../errors.js";
import type { Io } from "../io.js";

interface ListArgs {
  what: string;
  release: string;
  init: string;
  json: boolean;
}

const WHATS = ["stages", "sections", "packages"] as const;

export function listCommand(io: Io): CommandModule<object, ListArgs> {
  return {
    command: "list [what]",
    describe: "list the book's stages, sections (with their scripts) or packages (with versions)",
    builder: (y) =>
      y
        .positional("what", { type: "string", default: "sections", describe: WHATS.join(" | ") })
        .option("release", { type: "string", default: "12.3" })
        .option("init", { type: "string", default: "sysv", describe: EDITIONS.join(" | ") })
        .option("json", { type: "boolean", default: false, describe: "print JSON" }) as never,
    handler: async (args) => {
      const { availableReleases, editionSections, editionSources, loadBook } = await import("../../book/load.js");
      if (!(WHATS as readonly string[]).includes(args.what)) throw new OptionError("list", args.what, WHATS);
      if (!(EDITIONS as readonly string[]).includes(args.init)) throw new OptionError("--init", args.init, EDITIONS);
      if (!availableReleases().includes(args.release)) throw new OptionError("--release", args.release, availableReleases());
      const book = loadBook(args.release);
      const init = args.init as Edition;
      const sections = editionSections(book, init).filter((s) => !s.text);
      let rows: Record<string, string>[];
      if (args.what === "packages") {
        rows = editionSources(book, init).map((s) => ({ kind: s.kind, name: s.name, version: s.version, file: s.file, md5: s.md5 }));
      } else if (args.what === "stages") {
        const stages = ["host", "toolchain", "system"] as const;
        rows = [
          { stage: "sources", sections: "3", count: String(editionSources(book, init).length) + " files" },
          ...stages.map((st) => {
            const list = sections.filter((s) => s.stage === st);
            return { stage: st, sections: `${list[0]?.number ?? "-"} to ${list.at(-1)?.number ?? "-"}`, count: `${list.length} sections` };
          }),
          { stage: "iso-builder", sections: "-", count: "squashfs, initramfs, GRUB, xorriso" },
          { stage: "iso", sections: "-", count: "the ISO only" },
        ];
      } else {
        rows = sections.map((s) => ({
          section: s.number,
          title: s.title,
          stage: s.stage,
          user: s.user,
          script: s.script ? s.script.path : "(missing)",
        }));
      }
      if (args.json) {
        io.stdout.write(JSON.stringify(rows, null, 1) + "\n");
        return;
      }
      const keys = Object.keys(rows[0] ?? {});
      const widths = keys.map((k) => Math.max(k.length, ...rows.map((r) => (r[k] ?? "").length)));
      const line = (vals: string[]) => vals.map((v, i) => (i === vals.length - 1 ? v : v.padEnd(widths[i]!))).join("  ");
      io.stdout.write(line(keys.map((k) => k.toUpperCase())) + "\n");
      for (const r of rows) io.stdout.write(line(keys.map((k) => r[k] ?? "")) + "\n");
    },
  };
}
