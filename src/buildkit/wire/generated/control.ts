import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from './google/protobuf/Timestamp.js';
import type { BuildHistoryEvent as _moby_buildkit_v1_BuildHistoryEvent, BuildHistoryEvent__Output as _moby_buildkit_v1_BuildHistoryEvent__Output } from './moby/buildkit/v1/BuildHistoryEvent.js';
import type { BuildHistoryRecord as _moby_buildkit_v1_BuildHistoryRecord, BuildHistoryRecord__Output as _moby_buildkit_v1_BuildHistoryRecord__Output } from './moby/buildkit/v1/BuildHistoryRecord.js';
import type { BuildHistoryRequest as _moby_buildkit_v1_BuildHistoryRequest, BuildHistoryRequest__Output as _moby_buildkit_v1_BuildHistoryRequest__Output } from './moby/buildkit/v1/BuildHistoryRequest.js';
import type { BytesMessage as _moby_buildkit_v1_BytesMessage, BytesMessage__Output as _moby_buildkit_v1_BytesMessage__Output } from './moby/buildkit/v1/BytesMessage.js';
import type { CacheOptions as _moby_buildkit_v1_CacheOptions, CacheOptions__Output as _moby_buildkit_v1_CacheOptions__Output } from './moby/buildkit/v1/CacheOptions.js';
import type { CacheOptionsEntry as _moby_buildkit_v1_CacheOptionsEntry, CacheOptionsEntry__Output as _moby_buildkit_v1_CacheOptionsEntry__Output } from './moby/buildkit/v1/CacheOptionsEntry.js';
import type { ControlClient as _moby_buildkit_v1_ControlClient, ControlDefinition as _moby_buildkit_v1_ControlDefinition } from './moby/buildkit/v1/Control.js';
import type { DiskUsageRequest as _moby_buildkit_v1_DiskUsageRequest, DiskUsageRequest__Output as _moby_buildkit_v1_DiskUsageRequest__Output } from './moby/buildkit/v1/DiskUsageRequest.js';
import type { DiskUsageResponse as _moby_buildkit_v1_DiskUsageResponse, DiskUsageResponse__Output as _moby_buildkit_v1_DiskUsageResponse__Output } from './moby/buildkit/v1/DiskUsageResponse.js';
import type { Exporter as _moby_buildkit_v1_Exporter, Exporter__Output as _moby_buildkit_v1_Exporter__Output } from './moby/buildkit/v1/Exporter.js';
import type { InfoRequest as _moby_buildkit_v1_InfoRequest, InfoRequest__Output as _moby_buildkit_v1_InfoRequest__Output } from './moby/buildkit/v1/InfoRequest.js';
import type { InfoResponse as _moby_buildkit_v1_InfoResponse, InfoResponse__Output as _moby_buildkit_v1_InfoResponse__Output } from './moby/buildkit/v1/InfoResponse.js';
import type { ListWorkersRequest as _moby_buildkit_v1_ListWorkersRequest, ListWorkersRequest__Output as _moby_buildkit_v1_ListWorkersRequest__Output } from './moby/buildkit/v1/ListWorkersRequest.js';
import type { ListWorkersResponse as _moby_buildkit_v1_ListWorkersResponse, ListWorkersResponse__Output as _moby_buildkit_v1_ListWorkersResponse__Output } from './moby/buildkit/v1/ListWorkersResponse.js';
import type { PruneRequest as _moby_buildkit_v1_PruneRequest, PruneRequest__Output as _moby_buildkit_v1_PruneRequest__Output } from './moby/buildkit/v1/PruneRequest.js';
import type { RpcStatus as _moby_buildkit_v1_RpcStatus, RpcStatus__Output as _moby_buildkit_v1_RpcStatus__Output } from './moby/buildkit/v1/RpcStatus.js';
import type { SolveRequest as _moby_buildkit_v1_SolveRequest, SolveRequest__Output as _moby_buildkit_v1_SolveRequest__Output } from './moby/buildkit/v1/SolveRequest.js';
import type { SolveResponse as _moby_buildkit_v1_SolveResponse, SolveResponse__Output as _moby_buildkit_v1_SolveResponse__Output } from './moby/buildkit/v1/SolveResponse.js';
import type { StatusRequest as _moby_buildkit_v1_StatusRequest, StatusRequest__Output as _moby_buildkit_v1_StatusRequest__Output } from './moby/buildkit/v1/StatusRequest.js';
import type { StatusResponse as _moby_buildkit_v1_StatusResponse, StatusResponse__Output as _moby_buildkit_v1_StatusResponse__Output } from './moby/buildkit/v1/StatusResponse.js';
import type { UsageRecord as _moby_buildkit_v1_UsageRecord, UsageRecord__Output as _moby_buildkit_v1_UsageRecord__Output } from './moby/buildkit/v1/UsageRecord.js';
import type { Vertex as _moby_buildkit_v1_Vertex, Vertex__Output as _moby_buildkit_v1_Vertex__Output } from './moby/buildkit/v1/Vertex.js';
import type { VertexLog as _moby_buildkit_v1_VertexLog, VertexLog__Output as _moby_buildkit_v1_VertexLog__Output } from './moby/buildkit/v1/VertexLog.js';
import type { VertexStatus as _moby_buildkit_v1_VertexStatus, VertexStatus__Output as _moby_buildkit_v1_VertexStatus__Output } from './moby/buildkit/v1/VertexStatus.js';
import type { VertexWarning as _moby_buildkit_v1_VertexWarning, VertexWarning__Output as _moby_buildkit_v1_VertexWarning__Output } from './moby/buildkit/v1/VertexWarning.js';
import type { BuildkitVersion as _moby_buildkit_v1_types_BuildkitVersion, BuildkitVersion__Output as _moby_buildkit_v1_types_BuildkitVersion__Output } from './moby/buildkit/v1/types/BuildkitVersion.js';
import type { GCPolicy as _moby_buildkit_v1_types_GCPolicy, GCPolicy__Output as _moby_buildkit_v1_types_GCPolicy__Output } from './moby/buildkit/v1/types/GCPolicy.js';
import type { WorkerRecord as _moby_buildkit_v1_types_WorkerRecord, WorkerRecord__Output as _moby_buildkit_v1_types_WorkerRecord__Output } from './moby/buildkit/v1/types/WorkerRecord.js';
import type { Definition as _pb_Definition, Definition__Output as _pb_Definition__Output } from './pb/Definition.js';
import type { Platform as _pb_Platform, Platform__Output as _pb_Platform__Output } from './pb/Platform.js';
import type { ProgressGroup as _pb_ProgressGroup, ProgressGroup__Output as _pb_ProgressGroup__Output } from './pb/ProgressGroup.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  google: {
    protobuf: {
      Timestamp: MessageTypeDefinition<_google_protobuf_Timestamp, _google_protobuf_Timestamp__Output>
    }
  }
  moby: {
    buildkit: {
      v1: {
        BuildHistoryEvent: MessageTypeDefinition<_moby_buildkit_v1_BuildHistoryEvent, _moby_buildkit_v1_BuildHistoryEvent__Output>
        BuildHistoryEventType: EnumTypeDefinition
        BuildHistoryRecord: MessageTypeDefinition<_moby_buildkit_v1_BuildHistoryRecord, _moby_buildkit_v1_BuildHistoryRecord__Output>
        BuildHistoryRequest: MessageTypeDefinition<_moby_buildkit_v1_BuildHistoryRequest, _moby_buildkit_v1_BuildHistoryRequest__Output>
        BytesMessage: MessageTypeDefinition<_moby_buildkit_v1_BytesMessage, _moby_buildkit_v1_BytesMessage__Output>
        CacheOptions: MessageTypeDefinition<_moby_buildkit_v1_CacheOptions, _moby_buildkit_v1_CacheOptions__Output>
        CacheOptionsEntry: MessageTypeDefinition<_moby_buildkit_v1_CacheOptionsEntry, _moby_buildkit_v1_CacheOptionsEntry__Output>
        Control: SubtypeConstructor<typeof grpc.Client, _moby_buildkit_v1_ControlClient> & { service: _moby_buildkit_v1_ControlDefinition }
        DiskUsageRequest: MessageTypeDefinition<_moby_buildkit_v1_DiskUsageRequest, _moby_buildkit_v1_DiskUsageRequest__Output>
        DiskUsageResponse: MessageTypeDefinition<_moby_buildkit_v1_DiskUsageResponse, _moby_buildkit_v1_DiskUsageResponse__Output>
        Exporter: MessageTypeDefinition<_moby_buildkit_v1_Exporter, _moby_buildkit_v1_Exporter__Output>
        InfoRequest: MessageTypeDefinition<_moby_buildkit_v1_InfoRequest, _moby_buildkit_v1_InfoRequest__Output>
        InfoResponse: MessageTypeDefinition<_moby_buildkit_v1_InfoResponse, _moby_buildkit_v1_InfoResponse__Output>
        ListWorkersRequest: MessageTypeDefinition<_moby_buildkit_v1_ListWorkersRequest, _moby_buildkit_v1_ListWorkersRequest__Output>
        ListWorkersResponse: MessageTypeDefinition<_moby_buildkit_v1_ListWorkersResponse, _moby_buildkit_v1_ListWorkersResponse__Output>
        PruneRequest: MessageTypeDefinition<_moby_buildkit_v1_PruneRequest, _moby_buildkit_v1_PruneRequest__Output>
        RpcStatus: MessageTypeDefinition<_moby_buildkit_v1_RpcStatus, _moby_buildkit_v1_RpcStatus__Output>
        SolveRequest: MessageTypeDefinition<_moby_buildkit_v1_SolveRequest, _moby_buildkit_v1_SolveRequest__Output>
        SolveResponse: MessageTypeDefinition<_moby_buildkit_v1_SolveResponse, _moby_buildkit_v1_SolveResponse__Output>
        StatusRequest: MessageTypeDefinition<_moby_buildkit_v1_StatusRequest, _moby_buildkit_v1_StatusRequest__Output>
        StatusResponse: MessageTypeDefinition<_moby_buildkit_v1_StatusResponse, _moby_buildkit_v1_StatusResponse__Output>
        UsageRecord: MessageTypeDefinition<_moby_buildkit_v1_UsageRecord, _moby_buildkit_v1_UsageRecord__Output>
        Vertex: MessageTypeDefinition<_moby_buildkit_v1_Vertex, _moby_buildkit_v1_Vertex__Output>
        VertexLog: MessageTypeDefinition<_moby_buildkit_v1_VertexLog, _moby_buildkit_v1_VertexLog__Output>
        VertexStatus: MessageTypeDefinition<_moby_buildkit_v1_VertexStatus, _moby_buildkit_v1_VertexStatus__Output>
        VertexWarning: MessageTypeDefinition<_moby_buildkit_v1_VertexWarning, _moby_buildkit_v1_VertexWarning__Output>
        types: {
          BuildkitVersion: MessageTypeDefinition<_moby_buildkit_v1_types_BuildkitVersion, _moby_buildkit_v1_types_BuildkitVersion__Output>
          GCPolicy: MessageTypeDefinition<_moby_buildkit_v1_types_GCPolicy, _moby_buildkit_v1_types_GCPolicy__Output>
          WorkerRecord: MessageTypeDefinition<_moby_buildkit_v1_types_WorkerRecord, _moby_buildkit_v1_types_WorkerRecord__Output>
        }
      }
    }
  }
  pb: {
    Definition: MessageTypeDefinition<_pb_Definition, _pb_Definition__Output>
    Platform: MessageTypeDefinition<_pb_Platform, _pb_Platform__Output>
    ProgressGroup: MessageTypeDefinition<_pb_ProgressGroup, _pb_ProgressGroup__Output>
  }
}

