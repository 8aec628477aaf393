/** The sessions group: get, close, ping, list sessions. */
import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "effect/http-api"
import * as Ops from "../../domain/Operations.ts"
import * as Err from "../ApiErrors.ts"
import { Authorization, SeedValidation, docs, body, requestBody, acquisition, bodied, SESSION_ID, CREDENTIALS, AT } from "./Contract.ts"

const sessionCloseExample = { success: true, session_id: SESSION_ID, message: `Session ${SESSION_ID} closed` }
const pingExample = { success: true, session_id: SESSION_ID, last_used: AT, never_terminate: true, keep_alive: true }

export class SessionsGroup extends HttpApiGroup.make("sessions", { topLevel: true })
  .add(
    HttpApiEndpoint.post("get_session", "/get_session", {
      payload: body(Ops.GetSessionRequest, "GetSessionRequest"),
      success: Ops.GetSessionResponse,
      error: [...acquisition, ...bodied]
    }).annotateMerge(docs({
      summary: "Log in, or reuse the session of the same credentials",
      description:
        "Creates a persistent browser session (one Chrome logged in to the portal) without doing anything else, or returns the live session of the same username and password (one login per credentials). `never_terminate: true` pins it.",
      example: {
        request: CREDENTIALS,
        response: {
          success: true,
          session_id: SESSION_ID,
          is_new: true,
          username: "demo",
          created_at: AT,
          expires_at: null,
          message: "New persistent session created",
          never_terminate: false,
          keep_alive: true
        }
      }
    })).annotateMerge(requestBody(Ops.GetSessionRequest)),
    HttpApiEndpoint.get("sessions", "/sessions", { success: Ops.ListSessionsResponse, error: Err.InternalError }).annotateMerge(docs({
      summary: "List the live browser sessions",
      description: "Ids, usernames, ages, use counts and states; never secrets or credential fingerprints.",
      example: {
        response: {
          active_sessions: 1,
          sessions: [{
            session_id: SESSION_ID,
            username: "demo",
            created_at: AT,
            last_used: AT,
            last_refresh: null,
            keep_alive: true,
            never_terminate: false,
            busy: false,
            queued: 0,
            uses: 3,
            consecutive_errors: 0,
            age_seconds: 120,
            current_url: "https://ecp2.emodal.com/containers",
            state: "ready"
          }]
        }
      }
    })),
    HttpApiEndpoint.delete("delete_session", "/sessions/:session_id", {
      params: { session_id: Schema.String.annotate({ description: "The session to close." }) },
      success: Ops.CloseSessionResponse,
      error: [Err.InvalidOperationInput, Err.SessionNotFound, Err.StorageUnavailable, Err.InternalError]
    }).annotateMerge(docs({
      summary: "Close a session",
      description: "Closes its Chrome, removes its directories and its credential mapping. A request still running on it fails at once.",
      example: { response: sessionCloseExample }
    })),
    HttpApiEndpoint.post("close_session", "/close_session", {
      payload: body(Ops.SessionIdRequest, "SessionIdRequest"),
      success: Ops.CloseSessionResponse,
      error: [Err.InvalidOperationInput, Err.SessionNotFound, Err.StorageUnavailable, Err.InternalError, ...bodied]
    }).annotateMerge(docs({
      summary: "Close a session (body form)",
      description: "The route the seed's documents describe; the same as DELETE /sessions/{session_id}.",
      example: { request: { session_id: SESSION_ID }, response: sessionCloseExample }
    })).annotateMerge(requestBody(Ops.SessionIdRequest)),
    HttpApiEndpoint.post("ping_session", "/ping_session/:session_id", {
      params: { session_id: Schema.String.annotate({ description: "The session to keep alive." }) },
      payload: body(Ops.PingSettingsRequest, "PingSettingsRequest"),
      success: Ops.PingSessionResponse,
      error: [Err.InvalidOperationInput, Err.SessionNotFound, Err.BrowserCrashed, Err.InternalError, ...bodied]
    }).annotateMerge(docs({
      summary: "Keep a session alive",
      description:
        "Marks the session used now (it moves to the back of the eviction order). The body is optional: it may pin the session (`never_terminate`) or set `keep_alive`.",
      example: { request: { never_terminate: true }, response: pingExample },
      optionalBody: true
    })).annotateMerge(requestBody(Ops.PingSettingsRequest, true)),
    HttpApiEndpoint.post("ping_session_body", "/ping_session", {
      payload: body(Ops.PingSessionRequest, "PingSessionRequest"),
      success: Ops.PingSessionResponse,
      error: [Err.InvalidOperationInput, Err.SessionNotFound, Err.BrowserCrashed, Err.InternalError, ...bodied]
    }).annotateMerge(docs({
      summary: "Keep a session alive (body form)",
      description: "The same as POST /ping_session/{session_id} with the id in the body.",
      example: { request: { session_id: SESSION_ID, never_terminate: true }, response: pingExample }
    })).annotateMerge(requestBody(Ops.PingSessionRequest))
  )
  .middleware(SeedValidation)
  .middleware(Authorization)
  .annotateMerge(OpenApi.annotations({
    title: "sessions",
    description: "Persistent browser sessions: one Chrome logged in to the portal per username and password."
  }))
{}
