/**
 * Public embedding entry: the domain (ids, credentials, errors, operation schemas) and the
 * configuration service. Later issues add the PortalLayer and the operations services here.
 * The portal simulator and the Node HTTP server are deliberately not exported.
 */
export * from "./domain/Ids.ts"
export * from "./domain/Credentials.ts"
export * as Errors from "./domain/Errors.ts"
export * as Operations from "./domain/Operations.ts"
export { PortalConfig, type PortalConfigShape, ConfigInvalid } from "./services/PortalConfig.ts"
