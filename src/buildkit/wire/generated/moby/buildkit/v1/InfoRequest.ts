// Original file: control.proto


export interface InfoRequest {
}

export interface InfoRequest__Output {
}
