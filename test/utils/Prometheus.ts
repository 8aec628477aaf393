/**
 * /metrics as Prometheus reads it: the text parsed by a maintained parser of the Prometheus text
 * format (`parse-prometheus-text-format`, prom2json's output shape), so a malformed exposition fails
 * the tests that read it.
 */
import parse, { type ParsedFamily, type ParsedSample } from "parse-prometheus-text-format"

export type { ParsedFamily, ParsedSample }

/** The metric families of an exposition, by name. */
export const families = (text: string): ReadonlyMap<string, ParsedFamily> => new Map(parse(text).map((f) => [f.name, f]))

/** The sample of `family` whose labels include `labels` (undefined when none does). */
export const sample = (family: ParsedFamily | undefined, labels: Readonly<Record<string, string>> = {}): ParsedSample | undefined =>
  family?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))

/** The numeric value of that sample (a counter or gauge), or undefined. */
export const valueOf = (family: ParsedFamily | undefined, labels: Readonly<Record<string, string>> = {}): number | undefined => {
  const found = sample(family, labels)
  return found?.value === undefined ? undefined : Number(found.value)
}
