/**
 * The repository's module graph as the layout checks read it: every `.ts` file under a folder and
 * the modules it imports — value and type imports, re-exports and dynamic imports alike, since a
 * type-only edge still ties two files into one unit. Specifiers are read from the source text (the
 * house style writes one statement per import, no semicolons), which is all the checks need.
 */
import { readdirSync, readFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"

/** The repository root. */
export const ROOT = resolve(import.meta.dirname, "..", "..")

/** Every `.ts` file under `dir` (absolute), recursively, sorted. */
export const tsFilesUnder = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => join(e.parentPath, e.name))
    .sort()

const SPECIFIERS = [
  // `import … from "x"`, `export … from "x"` on one line
  /^\s*(?:import|export)\b[^\n]*?\bfrom\s*"([^"]+)"/gm,
  // the closing line of a multi-line `import {` … `} from "x"`
  /^\s*\}\s*from\s*"([^"]+)"/gm,
  // `import "x"` for its side effects
  /^\s*import\s*"([^"]+)"/gm,
  // `import("x")`
  /\bimport\(\s*"([^"]+)"\s*\)/g
]

/** The module specifiers `source` imports, in no particular order, each once. */
export const importSpecifiers = (source: string): ReadonlyArray<string> => {
  const found = new Set<string>()
  for (const pattern of SPECIFIERS) for (const m of source.matchAll(pattern)) found.add(m[1]!)
  return [...found]
}

export interface ImportEdge {
  readonly from: string
  /** The specifier as written. */
  readonly specifier: string
  /** The absolute path a relative specifier points at; undefined for a package. */
  readonly target: string | undefined
}

/** Every import of every `.ts` file under `dir`. */
export const importsUnder = (dir: string): ReadonlyArray<ImportEdge> =>
  tsFilesUnder(dir).flatMap((file) =>
    importSpecifiers(readFileSync(file, "utf8")).map((specifier) => ({
      from: file,
      specifier,
      target: specifier.startsWith(".") ? resolve(dirname(file), specifier) : undefined
    }))
  )

/**
 * The import cycles among the files under `dir` (edges leaving `dir` are ignored), each as the
 * list of files on it, relative to `dir`. Empty when the graph is acyclic.
 */
export const cyclesUnder = (dir: string): ReadonlyArray<ReadonlyArray<string>> => {
  const edges = new Map<string, Array<string>>()
  for (const file of tsFilesUnder(dir)) edges.set(file, [])
  for (const e of importsUnder(dir)) {
    if (e.target !== undefined && edges.has(e.target)) edges.get(e.from)?.push(e.target)
  }
  // Depth-first search; a back edge to a file on the current path closes a cycle.
  const cycles: Array<ReadonlyArray<string>> = []
  const done = new Set<string>()
  const path: Array<string> = []
  const onPath = new Set<string>()
  const visit = (file: string): void => {
    path.push(file)
    onPath.add(file)
    for (const next of edges.get(file) ?? []) {
      if (onPath.has(next)) cycles.push(path.slice(path.indexOf(next)).map((f) => f.slice(dir.length + 1)))
      else if (!done.has(next)) visit(next)
    }
    path.pop()
    onPath.delete(file)
    done.add(file)
  }
  for (const file of edges.keys()) if (!done.has(file)) visit(file)
  return cycles
}
