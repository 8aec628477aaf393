/**
 * The simulated hosts: one HTTP server answers for all of them and tells them apart by the Host
 * header (`identity.localhost:P` → identity, …); anything that is not a portal host is the "api"
 * host (solver and control API), reached as http://127.0.0.1:P. Plain data, imported by the state,
 * the request helpers and the handlers alike.
 */

export type PortalHost = "identity" | "recaptcha" | "ecp2" | "termops" | "truckerportal"
export type AppHost = "ecp2" | "termops" | "truckerportal"
export type HostKind = PortalHost | "api"

export const APP_HOSTS: ReadonlyArray<AppHost> = ["ecp2", "termops", "truckerportal"]
const PORTAL_HOSTS: ReadonlyArray<PortalHost> = ["identity", "recaptcha", "ecp2", "termops", "truckerportal"]

export const isAppHost = (s: string): s is AppHost => APP_HOSTS.some((h) => h === s)

const isPortalHost = (s: string): s is PortalHost => PORTAL_HOSTS.some((h) => h === s)

export const hostKindOf = (hostHeader: string): HostKind => {
  const hostname = hostHeader.replace(/:\d+$/, "").toLowerCase()
  const label = /^([a-z0-9-]+)\.localhost$/.exec(hostname)?.[1]
  return label !== undefined && isPortalHost(label) ? label : "api"
}

export interface SimUrls {
  readonly identity: string
  readonly recaptcha: string
  readonly ecp2: string
  readonly termops: string
  readonly truckerportal: string
  /** The solver API and the control API (`/__sim/…`), on 127.0.0.1. */
  readonly solver: string
}

export const urlsFor = (port: number): SimUrls => ({
  identity: `http://identity.localhost:${port}`,
  recaptcha: `http://recaptcha.localhost:${port}`,
  ecp2: `http://ecp2.localhost:${port}`,
  termops: `http://termops.localhost:${port}`,
  truckerportal: `http://truckerportal.localhost:${port}`,
  solver: `http://127.0.0.1:${port}`
})
