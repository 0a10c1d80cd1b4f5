// Kernel-crash detection from the serial console. Each pattern names a kind of crash; the
// verdict carries the console excerpt around the first match.

export interface CrashPattern { kind: string; re: RegExp }

export const CRASH_PATTERNS: CrashPattern[] = [
  { kind: 'kernel panic', re: /Kernel panic - not syncing/ },
  { kind: 'oops', re: /\bOops: \d{4}|\bOops\b.*\[#\d+\]/ },
  { kind: 'NULL pointer dereference', re: /BUG: kernel NULL pointer dereference/ },
  { kind: 'bad pointer dereference', re: /BUG: unable to handle (?:kernel |page fault)|Unable to handle kernel/ },
  // not "traps: PROG[PID] general protection fault ip:… in PROG[…]": the kernel saying that a user
  // process took one (the u-driver under a SWIFI bit flip, say), which is that process's signal
  { kind: 'general protection fault', re: /^(?!.*\btraps: \S+\[\d+\] general protection fault ip:).*general protection fault/ },
  { kind: 'invalid opcode', re: /invalid opcode: \d{4}/ },
  { kind: 'soft lockup', re: /BUG: soft lockup/ },
  { kind: 'hard lockup', re: /Watchdog detected hard LOCKUP|NMI watchdog: .*hard LOCKUP/i },
  { kind: 'hung task', re: /INFO: task \S+ blocked for more than \d+ seconds/ },
  { kind: 'RCU stall', re: /rcu: INFO: \S+ (?:self-)?detected stalls?|rcu_\w+ self-detected stall|rcu: INFO: rcu_\w+ detected stalls/ },
  { kind: 'kernel BUG', re: /kernel BUG at |BUG: (?!unable to handle|soft lockup)[A-Za-z]/ },
  { kind: 'warning', re: /WARNING: CPU: \d+ PID: \d+ at |------------\[ cut here \]------------/ },
]

export interface Crash {
  kind: string
  line: string // the matching line
  excerpt: string // lines around it, as evidence
}

/**
 * Finds the first crash in console text. The excerpt runs from a few lines before the match to
 * the end of the report (the "end trace" marker) or at most 40 lines on.
 */
export function detectCrash(text: string): Crash | null {
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    for (const p of CRASH_PATTERNS) {
      if (!p.re.test(line)) continue
      // A "cut here" line announces the report; name it by what follows (BUG, WARNING, ...).
      let kind = p.kind
      if (/cut here/.test(line)) {
        const named = lines.slice(i + 1, i + 4).map(l => CRASH_PATTERNS.find(q => q.re.test(l))).find(Boolean)
        kind = named?.kind ?? 'warning'
      }
      let end = Math.min(lines.length, i + 40)
      for (let j = i; j < end; j++) if (/---\[ end (?:trace|Kernel panic)/.test(lines[j]!)) { end = j + 1; break }
      return { kind, line: line.trim(), excerpt: lines.slice(Math.max(0, i - 3), end).join('\n') }
    }
  }
  return null
}

/**
 * Incremental detector for a console that grows: feed chunks, get the first crash once. Only
 * complete lines are scanned, and each line once. The report goes on after the line that gave it
 * away (RIP, the call trace come later, often in another chunk): the crash's excerpt keeps
 * growing with the console until the report's end line, or 40 lines, are in.
 */
export class CrashWatcher {
  private text = ''
  private scanned = 0 // offset of the first line not scanned yet
  private found: Crash | null = null
  private reportDone = false
  feed(chunk: string): Crash | null {
    this.text += chunk
    if (this.found) {
      if (!this.reportDone) this.grow()
      return null
    }
    const lastNl = this.text.lastIndexOf('\n')
    if (lastNl < this.scanned) return null
    const fresh = this.text.slice(this.scanned, lastNl + 1)
    this.scanned = lastNl + 1
    if (!detectCrash(fresh)) return null
    this.found = detectCrash(this.text)
    this.grow()
    return this.found
  }
  /** The same crash cut again from all the text so far (in place: holders of it see the growth). */
  private grow(): void {
    const c = detectCrash(this.text)!
    Object.assign(this.found!, c)
    const lines = c.excerpt.split('\n')
    const from = lines.findIndex(l => l.trim() === c.line)
    this.reportDone = /---\[ end (?:trace|Kernel panic)/.test(c.excerpt) || lines.length - from >= 40
  }
  get crash(): Crash | null { return this.found }
}

/** The last n lines of console text, for errors that must show what the guest said. */
export function lastLines(text: string, n = 30): string {
  const lines = text.replace(/\r/g, '').split('\n')
  while (lines.length && lines[lines.length - 1] === '') lines.pop()
  return lines.slice(-n).join('\n')
}
