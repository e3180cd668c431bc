import type { CommandModule } from "yargs";
import type { Accel, Firmware, Medium } from "../../boot/qemu.js";
import { OptionError } from "../../errors.js";
import { Interrupted } from "../interrupted.js";
import type { Io } from "../io.js";
import { printable } from "../../text/terminal.js";

/** Guest output for the terminal: lines kept, every control character escaped. */
const guestText = (t: string): string => t.replace(/\r\n/g, "\n").split("\n").map(printable).join("\n");

interface BootArgs {
  iso: string;
  arch: string;
  firmware?: string | undefined;
  medium: string;
  memory: number;
  accel: string;
  timeout: number;
  login?: string | undefined;
  run?: string[] | undefined;
  console: boolean;
  json: boolean;
}

/** `user:password` (the password may contain colons). */
export function parseLogin(value: string): { user: string; password: string } {
  const i = value.indexOf(":");
  // The value holds a password: the message shows the user name only.
  if (i <= 0) throw new OptionError("--login", i < 0 ? "(no colon)" : "(no user)", "USER:PASSWORD, e.g. root:lfs");
  return { user: value.slice(0, i), password: value.slice(i + 1) };
}

export function bootCommand(io: Io): CommandModule<object, BootArgs> {
  return {
    command: "boot <iso>",
    describe: "boot an ISO in QEMU, report each milestone on the serial console, optionally log in and run commands",
    builder: async (y) => {
      const { ACCELS, FIRMWARES, MEDIA } = await import("../../boot/qemu.js");
      return y
        .positional("iso", { type: "string", describe: "the ISO image", demandOption: true })
        .option("arch", { type: "string", default: "x86_64", describe: "x86_64 or aarch64" })
        .option("firmware", { type: "string", describe: `${FIRMWARES.join(" | ")} (default: bios on x86_64, uefi on aarch64)` })
        .option("medium", { type: "string", default: "cdrom", describe: `${MEDIA.join(" | ")}: a CD, or a hard disk as a USB stick boots` })
        .option("memory", { type: "number", default: 1024, describe: "guest memory, MiB" })
        .option("accel", { type: "string", default: "auto", describe: `${ACCELS.join(" | ")} (auto: KVM when usable, else TCG)` })
        .option("timeout", { type: "number", default: 600, describe: "seconds for the whole boot and the commands" })
        .option("login", { type: "string", describe: "log in on the serial console as USER:PASSWORD" })
        .option("run", { type: "string", array: true, describe: "command to run after logging in (repeatable); each must exit 0" })
        .option("console", { type: "boolean", default: false, describe: "copy the serial console to stderr" })
        .option("json", { type: "boolean", default: false, describe: "print the result as JSON on stdout" }) as never;
    },
    handler: async (args) => {
      const { boot } = await import("../../boot/boot.js");
      const firmware = args.firmware as Firmware | undefined;
      const login = args.login !== undefined ? parseLogin(args.login) : undefined;
      const controller = new AbortController();
      let signalName = "SIGINT";
      const stop = (sig: NodeJS.Signals) => {
        signalName = sig;
        controller.abort();
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      try {
        const result = await boot({
          iso: args.iso,
          arch: args.arch,
          ...(firmware && { firmware }),
          medium: args.medium as Medium,
          memory: args.memory,
          accel: args.accel as Accel,
          timeout: args.timeout,
          ...(login && { login }),
          ...(args.run && { commands: args.run }),
          signal: controller.signal,
          ...(args.console && { onConsole: (t: string) => io.stderr.write(guestText(t)) }),
          onMilestone: (m) => {
            if (!args.json) io.stderr.write(`${m.seconds.toFixed(1).padStart(7)} s  ${m.name.padEnd(9)}  ${printable(m.line)}\n`);
          },
        });
        if (args.json) {
          io.stdout.write(JSON.stringify(result, null, 1) + "\n");
          return;
        }
        for (const c of result.commands) {
          io.stdout.write(`$ ${c.command}\n${c.output.map((l) => printable(l) + "\n").join("")}`);
        }
        io.stderr.write(`boot ok: login prompt after ${result.toLogin?.toFixed(1) ?? "?"} s (${result.accel.join(", ")})\n`);
      } catch (err) {
        if (controller.signal.aborted) throw new Interrupted(signalName, "the machine was stopped");
        throw err;
      } finally {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
      }
    },
  };
}
