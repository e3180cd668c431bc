/**
 * BuildKit driver: public API.
 */
export { BuildKitClient, connect, workerFromWire, type SolveJob } from './client.js';
export {
  connectionHelperSchemes,
  registerConnectionHelper,
  resolveAddress,
  type ConnectionHelper,
  type ConnectOptions,
  type TlsOptions,
  type Transport,
} from './connhelpers.js';
export {
  credentialHelperGet,
  dockerConfigCredentials,
  registryHostname,
  type CredentialsProvider,
  type DockerConfigOptions,
  type RegistryCredentials,
} from './auth.js';
export { BuildKitError, DaemonLostError, SolveError, UnsupportedFeatureError, type BuildKitErrorCode } from './errors.js';
export {
  buildkitForDocker,
  daemonLabel,
  explainUnsupported,
  heredocLines,
  limitations,
  NEEDS,
  syntaxDirective,
  type DaemonCapabilities,
  type EngineInfo,
} from './capabilities.js';
export type { SecretSource } from './session/session.js';
export { UnsafeExportError } from './session/receive.js';
export { ExportSpaceError } from './session/targets.js';
export { buildSolveRequest, DOCKERFILE_FRONTEND, frontendAttrs } from './solve-request.js';
export {
  StatusTracker,
  type BuildEvent,
  type SolveStatus,
  type VertexInfo,
  type VertexLogInfo,
  type VertexStatusInfo,
  type VertexWarningInfo,
} from './status.js';
export type {
  CacheEntry,
  DaemonExport,
  ExportSpec,
  LocalExport,
  PlatformSpec,
  PruneOptions,
  PruneResult,
  SessionTransport,
  SolveOptions,
  SolveResult,
  TarExport,
  UsageRecord,
  WorkerInfo,
} from './types.js';
