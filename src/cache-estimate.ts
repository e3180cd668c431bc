/**
 * How much BuildKit cache one whole LFS build leaves behind: every section's layer (a section that
 * rewrites files, such as stripping in 8.x, stores them again), the temporary system copied into the
 * chroot stage, the sources, the kernel stage, the squashfs and the ISO.
 *
 * AN ESTIMATE, pending the proof build's measurement of a whole edition's cache (scripts/proof-build.mjs):
 * the host image is 0.7 GiB and the sources 0.5 GiB; chapters 5 to 7 leave about 2 to 4 GiB, chapter 8
 * and the kernel about 6 to 10 GiB, the squashfs and the ISO 3 GiB. Rounded up so that a warning
 * based on it errs on the side of warning.
 */
export const FULL_BUILD_CACHE_BYTES = 30 * 2 ** 30;
