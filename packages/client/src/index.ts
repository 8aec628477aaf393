/**
 * emodal-api-client: typed clients of the E-Modal Business API for other TypeScript projects, from
 * the same contracts the service serves. REST (`PortalRestClient`, derived from `PortalApi` by
 * HttpApiClient) and RPC (`PortalClient`, over ndjson at /rpc); the request, response and error
 * schemas come along. Compiled JavaScript with .d.ts types; its only dependency is `effect`.
 */
export { PortalApi, type ProgressEvent, type StreamErrorData } from "../../../src/http/PortalApi.ts"
export { followProgress, PortalRestClient, type PortalRestClientOptions, ProgressStreamEnded } from "../../../src/http/PortalRestClient.ts"
export { PortalRpcs } from "../../../src/http/PortalRpcs.ts"
export { PortalClient, type PortalClientOptions } from "../../../src/http/PortalClient.ts"
export { decodeErrorBody } from "../../../src/http/ApiErrors.ts"
export { PayloadTooLarge, RouteNotFound, Unauthorized } from "../../../src/http/EdgeErrors.ts"
export * as Errors from "../../../src/domain/Errors.ts"
export * as Operations from "../../../src/domain/Operations.ts"
export * as AppointmentWizard from "../../../src/domain/AppointmentWizard.ts"
export * as Health from "../../../src/domain/Health.ts"
