/**
 * Process facts read from Linux `/proc`: who is whose child, which process group each belongs to,
 * which processes carry a marker on their command line, how much memory a process tree really uses
 * (PSS from `smaps_rollup`, the figure that adds up honestly when Chrome's processes share pages).
 * Used to reap only this service's orphaned Chromes (whole process groups: a Chrome's children carry
 * no marker and outlive a dead parent), to decide when a session's Chrome is recycled, and by the
 * benchmarks. Plain synchronous reads: `/proc` is in memory and the calls are short.
 */
import { readdirSync, readFileSync } from "node:fs"

export interface ProcessEntry {
  readonly pid: number
  readonly ppid: number
  /** Process group id. */
  readonly pgid: number
  /** The NUL-separated argv joined by spaces (empty for kernel threads and zombies). */
  readonly cmdline: string
  readonly state: string
}

const readText = (path: string): string | undefined => {
  try {
    return readFileSync(path, "utf8")
  } catch {
    return undefined
  }
}

/** Every process visible in /proc (an empty list where /proc does not exist). */
export const listProcesses = (): ReadonlyArray<ProcessEntry> => {
  let names: Array<string>
  try {
    names = readdirSync("/proc")
  } catch {
    return []
  }
  const out: Array<ProcessEntry> = []
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue
    const stat = readText(`/proc/${name}/stat`)
    if (stat === undefined) continue
    // Field 2 (comm) is parenthesised and may contain spaces; parse after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    const cmdline = (readText(`/proc/${name}/cmdline`) ?? "").split("\u0000").filter((s) => s !== "").join(" ")
    out.push({ pid: Number(name), ppid: Number(rest[1]), pgid: Number(rest[2]), cmdline, state: rest[0] ?? "?" })
  }
  return out
}

/** `root` and all its descendants, from one snapshot of the process table. */
export const processTree = (root: number, table: ReadonlyArray<ProcessEntry> = listProcesses()): ReadonlyArray<ProcessEntry> => {
  const children = new Map<number, Array<ProcessEntry>>()
  for (const p of table) {
    const list = children.get(p.ppid) ?? []
    list.push(p)
    children.set(p.ppid, list)
  }
  const self = table.find((p) => p.pid === root)
  if (self === undefined) return []
  const out: Array<ProcessEntry> = [self]
  for (let i = 0; i < out.length; i++) {
    for (const c of children.get(out[i]!.pid) ?? []) out.push(c)
  }
  return out
}

/** Live (non-zombie) processes whose command line contains `marker`. */
export const processesWithMarker = (marker: string, table: ReadonlyArray<ProcessEntry> = listProcesses()): ReadonlyArray<ProcessEntry> =>
  table.filter((p) => p.state !== "Z" && p.cmdline.includes(marker))

/** The process group of `pid`, or undefined when it is gone. */
export const processGroupOf = (pid: number): number | undefined => {
  const stat = readText(`/proc/${pid}/stat`)
  if (stat === undefined) return undefined
  const pgid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2])
  return Number.isInteger(pgid) ? pgid : undefined
}

/**
 * The live members of process group `pgid` when it is the group of a process carrying `marker`
 * (this service's Chrome): its leader (pid = pgid) is that process, or is gone and left only its
 * members behind (Linux never hands out a pid still used as a group id, so they are the leader's).
 * Empty for the groups 0 and 1, for this process's own group, and for a leader without the marker.
 */
export const markedGroup = (pgid: number, marker: string, table: ReadonlyArray<ProcessEntry> = listProcesses()): ReadonlyArray<ProcessEntry> => {
  if (!Number.isInteger(pgid) || pgid <= 1 || pgid === processGroupOf(process.pid)) return []
  const leader = table.find((p) => p.pid === pgid)
  if (leader !== undefined && leader.state !== "Z" && !leader.cmdline.includes(marker)) return []
  return table.filter((p) => p.pgid === pgid && p.state !== "Z")
}

/** Signals the whole process group `pgid` at once (`kill(-pgid)`); false when it is already gone. */
export const killGroup = (pgid: number, signal: NodeJS.Signals = "SIGKILL"): boolean => {
  if (!Number.isInteger(pgid) || pgid <= 1 || pgid === processGroupOf(process.pid)) return false
  try {
    process.kill(-pgid, signal)
    return true
  } catch {
    return false
  }
}

/** Proportional set size of one process in kB, or 0 when it is gone or unreadable. */
export const pssKb = (pid: number): number => {
  const text = readText(`/proc/${pid}/smaps_rollup`)
  const m = text === undefined ? null : /^Pss:\s+(\d+)\s+kB/m.exec(text)
  return m === null ? 0 : Number(m[1])
}

/** PSS of the process trees of `roots` (each process counted once), in kB, from one process table. */
export const treesPssKb = (roots: ReadonlyArray<number>, table: ReadonlyArray<ProcessEntry> = listProcesses()): number => {
  const seen = new Set<number>()
  for (const root of roots) for (const p of processTree(root, table)) seen.add(p.pid)
  let kb = 0
  for (const pid of seen) kb += pssKb(pid)
  return kb
}

/** PSS of a process and all its descendants, in MB. */
export const treePssMb = (root: number): number =>
  processTree(root).reduce((sum, p) => sum + pssKb(p.pid), 0) / 1024

export const isAlive = (pid: number): boolean => {
  const stat = readText(`/proc/${pid}/stat`)
  if (stat === undefined) return false
  return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z"
}

/** Sends `signal` to each pid, ignoring ones that are already gone. Returns how many were signalled. */
export const killAll = (pids: ReadonlyArray<number>, signal: NodeJS.Signals = "SIGKILL"): number => {
  let n = 0
  for (const pid of pids) {
    try {
      process.kill(pid, signal)
      n++
    } catch {
      // already exited
    }
  }
  return n
}

/** Clock ticks per second of /proc/<pid>/stat's CPU times (USER_HZ: 100 on Linux). */
const USER_HZ = 100

/**
 * CPU time a process tree has used so far, in ms: each live process's own user + system time, plus
 * what its reaped children used (cutime + cstime, so a renderer that already exited still counts).
 * 0 when `root` is gone. For the benchmarks: the difference of two readings is the CPU spent between.
 */
export const treeCpuMs = (root: number, table: ReadonlyArray<ProcessEntry> = listProcesses()): number => {
  let ticks = 0
  for (const p of processTree(root, table)) {
    const stat = readText(`/proc/${p.pid}/stat`)
    if (stat === undefined) continue
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    // Fields 14-17 (utime, stime, cutime, cstime) are at 11-14 after the state field.
    ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])
  }
  return (ticks * 1000) / USER_HZ
}
