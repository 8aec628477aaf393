/**
 * The typed RPC contract: the same operations as REST, with the same request/response schemas and
 * the same error classes (the PortalError union), served at /rpc. `GetContainersStream` reports
 * progress (rows loaded so far) and then the result. Imports the domain only, so client projects
 * can import it (see `PortalClient.ts`).
 */
import { Schema } from "effect"
import { Rpc, RpcGroup } from "effect/rpc"
import { PortalError } from "../domain/Errors.ts"
import * as Ops from "../domain/Operations.ts"
import * as Wizard from "../domain/AppointmentWizard.ts"
import * as HealthBodies from "../domain/Health.ts"

/** Each RPC of the contract, by its tag (the server serves the same RPCs with undecoded payloads). */
const Health = Rpc.make("Health", { success: HealthBodies.HealthResponse })
const GetSession = Rpc.make("GetSession", { payload: Ops.GetSessionRequest, success: Ops.GetSessionResponse, error: PortalError })
const ListSessions = Rpc.make("ListSessions", { success: Ops.ListSessionsResponse })
const CloseSession = Rpc.make("CloseSession", { payload: Ops.SessionIdRequest, success: Ops.CloseSessionResponse, error: PortalError })
const PingSession = Rpc.make("PingSession", { payload: Ops.PingSessionRequest, success: Ops.PingSessionResponse, error: PortalError })
const Cleanup = Rpc.make("Cleanup", { payload: HealthBodies.CleanupRequest, success: HealthBodies.CleanupResponse, error: PortalError })
const GetContainers = Rpc.make("GetContainers", { payload: Ops.GetContainersRequest, success: Ops.GetContainersResponse, error: PortalError })
const GetContainersStream = Rpc.make("GetContainersStream", {
  payload: Ops.GetContainersRequest,
  success: Ops.ContainersProgress,
  error: PortalError,
  stream: true
})
const GetContainerTimeline = Rpc.make("GetContainerTimeline", { payload: Ops.ContainerLookupRequest, success: Ops.TimelineResponse, error: PortalError })
const GetBookingNumber = Rpc.make("GetBookingNumber", { payload: Ops.ContainerLookupRequest, success: Ops.BookingNumberResponse, error: PortalError })
const GetAppointments = Rpc.make("GetAppointments", { payload: Ops.GetAppointmentsRequest, success: Ops.GetAppointmentsResponse, error: PortalError })
const CheckAppointments = Rpc.make("CheckAppointments", { payload: Wizard.CheckAppointmentsRequest, success: Wizard.CheckAppointmentsResponse, error: PortalError })
const MakeAppointment = Rpc.make("MakeAppointment", {
  payload: Schema.Struct({
    ...Wizard.MakeAppointmentRequest.fields,
    /** As REST's Idempotency-Key header (which is the fallback when this is absent). */
    idempotency_key: Schema.optionalKey(Schema.String.check(Schema.isMaxLength(Ops.MAX_IDEMPOTENCY_KEY_LENGTH)))
  }),
  success: Wizard.MakeAppointmentResponse,
  error: PortalError
})
const GetInfoBulk = Rpc.make("GetInfoBulk", { payload: Ops.GetInfoBulkRequest, success: Ops.GetInfoBulkResponse, error: PortalError })

export const ContractRpcs = {
  Health,
  GetSession,
  ListSessions,
  CloseSession,
  PingSession,
  Cleanup,
  GetContainers,
  GetContainersStream,
  GetContainerTimeline,
  GetBookingNumber,
  GetAppointments,
  CheckAppointments,
  MakeAppointment,
  GetInfoBulk
} as const

export class PortalRpcs extends RpcGroup.make(...Object.values(ContractRpcs)) {}
