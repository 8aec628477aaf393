/** The health group: /health and its report. */
import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import * as Ops from "../../domain/Operations.ts"
import * as Health from "../../domain/Health.ts"
import * as Err from "../ApiErrors.ts"
import { SeedValidation, docs, body, AT, HEALTHY_HOST } from "./Contract.ts"

export class HealthGroup extends HttpApiGroup.make("health", { topLevel: true })
  .add(
    HttpApiEndpoint.get("health", "/health", {
      query: {
        strict: Schema.optional(Schema.Literals(["true", "false"]).annotate({
          description: "`true`: answer 503 (with the same body) while `status` is \"degraded\", for probes that only read the status."
        }))
      },
      success: [
        Health.HealthResponse,
        Health.HealthResponse.pipe(HttpApiSchema.status(503)).annotate({ description: "With `strict=true`, while the service is degraded." })
      ],
      error: [Err.InvalidOperationInput, Err.InternalError]
    }).annotateMerge(docs({
      summary: "Service health: pool figures, the portal's recent answers, the store, solver and pool checks",
      description:
        "Answers 200 while the service runs, without API_TOKEN: the seed's fields plus pool figures; `portal`: the latest contact with each portal host (identity, ecp2, termops, truckerportal) and the captcha solver — ok or failed, when, and the failure's kind (`unreachable`, `timeout`, `http_5xx`, `forbidden`, `bad_answer`), never a URL or a credential; and `checks`: the SQL store (a ping: `failing` while it does not answer, when operations that must write answer 503 `storage_unavailable`), the captcha solver (from its latest exchange) and the pool's pressure (`saturated` while requests wait for a slot). A target is failing while its latest contact failed less than `recent_window_seconds` (5 minutes) ago. While anything fails, `status` is \"degraded\" and `reasons` says why (a later successful contact clears a portal reason). With `strict=true` a degraded service answers 503. For load balancers, GET /ready answers 503 while the service starts or drains.",
      example: {
        response: {
          status: "healthy",
          service: Ops.SERVICE_NAME,
          version: Ops.SERVICE_VERSION,
          active_sessions: 1,
          max_sessions: 10,
          session_capacity: "1/10",
          persistent_sessions: 1,
          timestamp: AT,
          pool: {
            busy: 0,
            idle: 1,
            pinned: 0,
            logging_in: 0,
            waiting_for_slot: 0,
            logins_total: 1,
            evictions_total: 0,
            refreshes_total: 2,
            refresh_failures_total: 0,
            crashes_total: 0
          },
          appointment_workflows: 0,
          uptime_seconds: 3600,
          portal: {
            status: "ok",
            reasons: [],
            recent_window_seconds: 300,
            hosts: {
              identity: HEALTHY_HOST,
              ecp2: HEALTHY_HOST,
              termops: HEALTHY_HOST,
              truckerportal: HEALTHY_HOST,
              captcha_solver: HEALTHY_HOST
            }
          },
          reasons: [],
          checks: {
            store: { status: "ok", detail: "sqlite answered a ping", backend: "sqlite", latency_ms: 1 },
            solver: { status: "ok", detail: "the latest exchange worked", server_key_configured: false, last_contact_at: "2026-11-22T09:59:40.000Z" },
            pool: { status: "ok", detail: "9 free slot(s), 1 evictable session(s)", active: 1, max_sessions: 10, free_slots: 9, evictable: 1, waiting_for_slot: 0, queued_messages: 0 }
          }
        }
      }
    }))
  )
  .middleware(SeedValidation)
  .annotateMerge(OpenApi.annotations({ title: "health", description: "Liveness, open without API_TOKEN." }))
{}
