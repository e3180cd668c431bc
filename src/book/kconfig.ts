/**
 * Kconfig fragments (the book's kernel.config, the user's --kernel-fragment): only option lines and
 * comments, so that nothing else reaches the shell heredoc the kernel section writes them with.
 */

const OPTION_LINE = /^CONFIG_[A-Z0-9_]+=(y|m|n|-?\d+|0x[0-9a-fA-F]+|"[^"]*")$/;

export const KCONFIG_ACCEPTED = 'Kconfig lines such as CONFIG_FOO=y, CONFIG_BAR="text", or # CONFIG_BAZ is not set';

/** The first line of `text` that is neither blank, a comment nor an option line (1-based), if any. */
export function kconfigBadLine(text: string): { number: number; line: string } | undefined {
  for (const [i, line] of text.split("\n").entries()) {
    const l = line.trim();
    if (l === "" || l.startsWith("#")) continue;
    if (!OPTION_LINE.test(l)) return { number: i + 1, line: l };
  }
  return undefined;
}
