/**
 * What a person reads for a step: BuildKit names a heredoc RUN after its instruction line and the
 * script's first line, which in lfs-docker's Dockerfiles names the book section:
 *   "[host  5/27] RUN --network=none --mount=... <<'END_OF_SECTION' (# 5.3. GCC-14.2.0 - Pass 1...)"
 * is shown as
 *   "[host 5/27] 5.3 GCC-14.2.0 - Pass 1".
 * Any other name is kept as it is (spaces in the step label folded). Control characters are escaped.
 * When a display knows the build's steps (the map the generator emitted beside the Dockerfile), a
 * section's step is named from that map instead (sectionStepName), whatever BuildKit put in the name.
 */
import { printable } from "../text/terminal.js";

const HEREDOC_RUN = /^(\[[^\]]*\]) RUN\b.*<<-?'?[A-Za-z_]\w*'?\s*\(# (.*?)(?:\.\.\.)?\)$/s;
const LABEL = /^\[([^\]]*)\]/;

export function stepName(name: string): string {
  const m = HEREDOC_RUN.exec(name);
  const folded = (label: string) => label.replace(/\s+/g, " ");
  if (!m) return printable(name.replace(LABEL, (l) => folded(l)));
  const summary = m[2]!.replace(/^(\d+(?:\.\d+)+)\. /, "$1 ");
  return printable(`${folded(m[1]!)} ${summary}`);
}

/** The name of a step that carries out a book section, from the build's map: `[host 5/27] 5.3 GCC-14.2.0 - Pass 1`. */
export function sectionStepName(name: string, step: { section: string; title: string }): string {
  const label = LABEL.exec(name)?.[0].replace(/\s+/g, " ");
  return printable(`${label ? `${label} ` : ""}${step.section} ${step.title}`);
}
