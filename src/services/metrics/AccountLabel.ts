/**
 * The `account` label of the per-account metrics (METRICS_ACCOUNT_LABEL): the portal username as
 * it is (the default: operators know their accounts by it), a keyed hash of it — the first 12 hex
 * characters of an HMAC-SHA256 under SERVER_SECRET, stable across restarts, not reversible without
 * the secret — or no label at all.
 */
import { Redacted } from "effect"
import { createHmac } from "node:crypto"
import type { AccountLabelMode } from "../PortalConfig.ts"

/** The attributes naming `username`'s account under `mode` (none when off). */
export const accountAttributes = (
  mode: AccountLabelMode,
  secret: Redacted.Redacted<string>
): (username: string) => Readonly<Record<string, string>> => {
  switch (mode) {
    case "off":
      return () => ({})
    case "username":
      return (username) => ({ account: username })
    case "hash":
      return (username) => ({
        account: createHmac("sha256", Redacted.value(secret)).update(`metrics-account\u0000${username}`, "utf8").digest("hex").slice(0, 12)
      })
  }
}
