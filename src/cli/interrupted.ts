/** Thrown when the user interrupts a command (SIGINT, SIGTERM); the CLI exits 130. */
export class Interrupted extends Error {
  constructor(signal: string, what = "the build was cancelled on the daemon; nothing was written to the output directory") {
    super(`interrupted (${signal}): ${what}`);
    this.name = "Interrupted";
  }
}
