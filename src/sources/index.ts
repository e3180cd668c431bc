/**
 * The book's source files: fetch them into a directory (parallel, resumed, retried, mirrored,
 * verified), verify a directory, and the SHA-256 lock that pins what was first downloaded.
 */
export { fetchSources, sourceUrls, checkMirror, DEFAULT_JOBS } from "./fetch.js";
export type { FetchOptions } from "./fetch.js";
export { verifySources, assertSourcesVerified, formatVerifyFailures } from "./verify.js";
export type { VerifyOptions } from "./verify.js";
export { selectSources } from "./select.js";
export type { SourceSelection } from "./select.js";
export { readLock, writeLock, addToLock, parseLock, formatLock, lockPath, checkLock, emptyLock, LOCK_FILE, RESERVED_NAMES } from "./lock.js";
export type { SourceLock, LockEntry, LockCheck } from "./lock.js";
export { hashFile } from "./hash.js";
export type { Digests } from "./hash.js";
export { SourcesError } from "./errors.js";
export type { SourcesErrorCode } from "./errors.js";
export { createFetchProgress } from "./progress.js";
export type { FetchProgress, FetchProgressOptions } from "./progress.js";
export type { FetchEvent, FetchResult, FetchedFile, VerifyResult, VerifyStatus } from "./types.js";
