/** Small readers of a generated Dockerfile, for tests. */

/** The block of one book section: from its `# N.M. Title` line to the blank line that ends it. */
export function sectionBlock(dockerfile: string, number: string): string | undefined {
  const lines = dockerfile.split("\n");
  const start = lines.findIndex((l) => l.startsWith(`# ${number}. `));
  if (start < 0) return undefined;
  let end = start;
  let inHeredoc = false;
  for (; end < lines.length; end++) {
    const l = lines[end]!;
    if (/<<'END_OF_SECTION'$/.test(l)) inHeredoc = true;
    else if (l === "END_OF_SECTION") inHeredoc = false;
    else if (!inHeredoc && l === "" && end > start) break;
  }
  return lines.slice(start, end).join("\n") + "\n";
}

/** Stage names in order of their FROM lines. */
export function stageNames(dockerfile: string): string[] {
  return [...dockerfile.matchAll(/^FROM (?:--platform=\S+ )?\S+ AS (\S+)$/gm)].map((m) => m[1]!);
}

/** Instructions (first word of each non-comment, non-continuation line outside heredocs). */
export function instructions(dockerfile: string): { keyword: string; line: number; text: string }[] {
  const out: { keyword: string; line: number; text: string }[] = [];
  const lines = dockerfile.split("\n");
  let heredoc: string | undefined;
  let continued = false;
  lines.forEach((l, i) => {
    if (heredoc) {
      if (l === heredoc) heredoc = undefined;
      return;
    }
    const wasContinued = continued;
    continued = l.endsWith("\\");
    const h = /<<'([A-Z_]+)'$/.exec(l);
    if (h) heredoc = h[1];
    if (wasContinued || l.startsWith("#") || l.trim() === "") return;
    out.push({ keyword: l.split(/\s+/)[0]!, line: i + 1, text: l });
  });
  return out;
}
