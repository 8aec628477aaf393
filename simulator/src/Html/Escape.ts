/**
 * HTML building blocks: escaping, a `Raw` marker for trusted markup, and embedding data for page
 * scripts as JSON that cannot close its own <script> element.
 */

export interface Raw {
  readonly __raw: string
}

export const raw = (s: string): Raw => ({ __raw: s })

export const esc = (s: string | number): string =>
  String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;")

type Value = string | number | Raw | ReadonlyArray<string | number | Raw> | null | undefined | false

const render = (v: Value): string => {
  if (v === null || v === undefined || v === false) return ""
  if (typeof v === "string" || typeof v === "number") return esc(v)
  if ("__raw" in v) return v.__raw
  return v.map((x) => render(x)).join("")
}

/** Tagged template: interpolated strings are escaped, `raw(…)` and nested `h` results are not. */
export const h = (strings: TemplateStringsArray, ...values: ReadonlyArray<Value>): Raw => {
  let out = strings[0] ?? ""
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? "")
  return raw(out)
}

/** `<script type="application/json" id=…>` content, safe against `</script>`. */
export const jsonScript = (id: string, data: unknown): Raw =>
  raw(
    `<script type="application/json" id="${esc(id)}">${
      JSON.stringify(data).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026")
    }</script>`
  )
