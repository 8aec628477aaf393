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
import * as Health from "../domain/Health.ts"

export class PortalRpcs extends RpcGroup.make(
  Rpc.make("Health", { success: Health.HealthResponse }),
  Rpc.make("GetSession", { payload: Ops.GetSessionRequest, success: Ops.GetSessionResponse, error: PortalError }),
  Rpc.make("ListSessions", { success: Ops.ListSessionsResponse }),
  Rpc.make("CloseSession", { payload: Ops.SessionIdRequest, success: Ops.CloseSessionResponse, error: PortalError }),
  Rpc.make("PingSession", { payload: Ops.PingSessionRequest, success: Ops.PingSessionResponse, error: PortalError }),
  Rpc.make("Cleanup", { payload: Health.CleanupRequest, success: Health.CleanupResponse, error: PortalError }),
  Rpc.make("GetContainers", { payload: Ops.GetContainersRequest, success: Ops.GetContainersResponse, error: PortalError }),
  Rpc.make("GetContainersStream", {
    payload: Ops.GetContainersRequest,
    success: Ops.ContainersProgress,
    error: PortalError,
    stream: true
  }),
  Rpc.make("GetContainerTimeline", { payload: Ops.ContainerLookupRequest, success: Ops.TimelineResponse, error: PortalError }),
  Rpc.make("GetBookingNumber", { payload: Ops.ContainerLookupRequest, success: Ops.BookingNumberResponse, error: PortalError }),
  Rpc.make("GetAppointments", { payload: Ops.GetAppointmentsRequest, success: Ops.GetAppointmentsResponse, error: PortalError }),
  Rpc.make("CheckAppointments", { payload: Wizard.CheckAppointmentsRequest, success: Wizard.CheckAppointmentsResponse, error: PortalError }),
  Rpc.make("MakeAppointment", {
    payload: Schema.Struct({
      ...Wizard.MakeAppointmentRequest.fields,
      /** As REST's Idempotency-Key header (which is the fallback when this is absent). */
      idempotency_key: Schema.optionalKey(Schema.String.check(Schema.isMaxLength(Ops.MAX_IDEMPOTENCY_KEY_LENGTH)))
    }),
    success: Wizard.MakeAppointmentResponse,
    error: PortalError
  }),
  Rpc.make("GetInfoBulk", { payload: Ops.GetInfoBulkRequest, success: Ops.GetInfoBulkResponse, error: PortalError })
) {}
