/**
 * BuildKit driver: public API.
 */
export { BuildKitClient, connect, workerFromWire, type SolveJob } from "./client.js";
export {
  BuilderNotFoundError,
  builderNames,
  buildxBuildRef,
  describeBuilder,
  resolveBuilder,
  type BuilderSource,
  type ResolveBuilderOptions,
  type ResolvedBuilder,
} from "./builders.js";
export { buildxDir, readInstance, instanceNames, type BuildxNode, type BuildxNodeGroup } from "./buildx-store.js";
export { builderConnectOptions, connectBuilder, dockerForEndpoint } from "./connect-builder.js";
export { contextEndpoint, contextNames, currentContextName, dockerConfigDir, type DockerEndpoint, type DockerEnv } from "./docker-contexts.js";
export {
  connectionHelperSchemes,
  registerConnectionHelper,
  resolveAddress,
  type ConnectionHelper,
  type ConnectOptions,
  type TlsOptions,
  type Transport,
} from "./connhelpers/index.js";
export {
  credentialHelperGet,
  dockerConfigCredentials,
  registryHostname,
  type CredentialsProvider,
  type DockerConfigOptions,
  type RegistryCredentials,
} from "./auth.js";
export { BuildKitError, DaemonLostError, SolveError, UnsupportedFeatureError, type BuildKitErrorCode } from "./errors.js";
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
} from "./capabilities.js";
export { UnsafeExportError } from "./session/receive.js";
export { ExportSpaceError } from "./session/targets.js";
export { buildSolveRequest, DOCKERFILE_FRONTEND, frontendAttrs } from "./solve-request.js";
export {
  StatusTracker,
  type BuildEvent,
  type SolveStatus,
  type VertexInfo,
  type VertexLogInfo,
  type VertexStatusInfo,
  type VertexWarningInfo,
} from "./status.js";
export type {
  CacheEntry,
  DaemonExport,
  ExportSpec,
  LocalExport,
  PlatformSpec,
  PruneOptions,
  PruneResult,
  SecretSource,
  SessionTransport,
  SolveOptions,
  SolveResult,
  TarExport,
  UsageRecord,
  WorkerInfo,
} from "./types.js";
