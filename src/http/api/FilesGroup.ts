/** The files group: result files and cleanup. */
import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import * as Health from "../../domain/Health.ts"
import * as Err from "../ApiErrors.ts"
import { Authorization, SeedValidation, docs, body, requestBody, bodied } from "./Contract.ts"

export class FilesGroup extends HttpApiGroup.make("files", { topLevel: true })
  .add(
    HttpApiEndpoint.get("files", "/files/:folder/:name", {
      params: {
        folder: Schema.String.annotate({ description: "The opaque folder of the file, as in the `file_url` an operation returned." }),
        name: Schema.String.annotate({ description: "The file's name, as in the `file_url` an operation returned." })
      },
      success: Schema.Uint8Array.pipe(HttpApiSchema.asUint8Array({ contentType: "application/octet-stream" })).annotate({
        description: "The file, as an attachment (its own content type: xlsx, png, zip…)."
      }),
      error: [Err.InvalidOperationInput, Err.FileNotFound, Err.InternalError]
    }).annotateMerge(docs({
      summary: "Download a file this service produced",
      description:
        "Result spreadsheets, screenshots and debug bundles, by the URL an operation returned. Only files under DATA_DIR/files are served; API_TOKEN applies."
    })),
    HttpApiEndpoint.post("cleanup", "/cleanup", {
      payload: body(Health.CleanupRequest, "CleanupRequest"),
      success: Health.CleanupResponse,
      error: [Err.InvalidOperationInput, Err.StorageFailed, Err.StorageUnavailable, Err.InternalError, ...bodied]
    }).annotateMerge(docs({
      summary: "Delete old result files",
      description: "Deletes files older than `max_age_hours` (default FILE_RETENTION) and reports what it freed. Also runs hourly and at boot. The body is optional.",
      example: {
        request: { max_age_hours: 24 },
        response: { success: true, message: "Cleanup completed", files_deleted: 4, space_freed_mb: 1.2, current_storage_mb: 3.4, downloads_mb: 3, screenshots_mb: 0.4 }
      },
      optionalBody: true
    })).annotateMerge(requestBody(Health.CleanupRequest, true))
  )
  .middleware(SeedValidation)
  .middleware(Authorization)
  .annotateMerge(OpenApi.annotations({ title: "files", description: "The files operations produced, and their cleanup." }))
{}
