// microbed report merge DIR...: the shards of one nightly joined into one run, with the same
// outputs and the same regression check. Shards must come from one commit and one matrix, and
// every shard of it must be there.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { UsageError } from '../base/errors.ts'
import type { NightlyDoc } from './runner.ts'

export class MergeError extends UsageError {
  constructor(message: string) { super(message, 'merge the shard folders of one nightly run: same commit, same matrix (same --only/--skip, options and shard count), every shard once') }
}

export function readShard(dir: string): NightlyDoc {
  const file = join(dir, 'results.json')
  if (!existsSync(file)) throw new MergeError(`${file}: no results.json in this folder (is it a nightly shard's run folder?)`)
  let doc: NightlyDoc
  try { doc = JSON.parse(readFileSync(file, 'utf8')) } catch (e) { throw new MergeError(`${file}: not valid JSON (${(e as Error).message})`) }
  if (doc?.schema !== 'microbed.nightly/v1') throw new MergeError(`${file}: not a nightly run document (schema ${JSON.stringify(doc?.schema)}, want "microbed.nightly/v1")`)
  if (!Array.isArray(doc.cases) || !doc.matrix?.fingerprint || !Array.isArray(doc.matrix.jobs)) throw new MergeError(`${file}: the document lacks its cases or its matrix`)
  return doc
}

/** The merged document (before finalize: the comparison is made again over all shards). */
export function mergeShards(dirs: string[], runDir: string, command: string): NightlyDoc {
  if (dirs.length === 0) throw new MergeError('report merge needs the shard folders to join')
  const docs = dirs.map(d => ({ dir: d, doc: readShard(d) }))
  const first = docs[0]!
  const file = (d: { dir: string }) => join(d.dir, 'results.json')
  for (const d of docs.slice(1)) {
    if (d.doc.run.gitCommit !== first.doc.run.gitCommit) throw new MergeError(`${file(d)} is from commit ${d.doc.run.gitCommit ?? 'unknown'}, ${file(first)} from ${first.doc.run.gitCommit ?? 'unknown'}: shards of different commits do not make one run`)
    if (d.doc.matrix.fingerprint !== first.doc.matrix.fingerprint) throw new MergeError(`${file(d)} ran matrix ${d.doc.matrix.fingerprint}, ${file(first)} matrix ${first.doc.matrix.fingerprint}: the shards differ in their cases, options or shard count`)
    if (d.doc.comparison.baseline?.hash !== first.doc.comparison.baseline?.hash) throw new MergeError(`${file(d)} was compared with baseline ${d.doc.comparison.baseline?.hash ?? 'none'}, ${file(first)} with ${first.doc.comparison.baseline?.hash ?? 'none'}`)
  }
  const count = first.doc.run.shard?.count ?? 1
  const byIndex = new Map<number, string>()
  for (const d of docs) {
    const s = d.doc.run.shard
    if (!s && count !== 1) throw new MergeError(`${file(d)} is not a shard (no --shard)`)
    const i = s?.index ?? 1
    if (byIndex.has(i)) throw new MergeError(`shard ${i}/${count} is given twice: ${byIndex.get(i)} and ${file(d)}`)
    byIndex.set(i, file(d))
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter(i => !byIndex.has(i))
  if (missing.length) throw new MergeError(`shard${missing.length > 1 ? 's' : ''} ${missing.map(i => `${i}/${count}`).join(', ')} missing: given ${[...byIndex.keys()].sort().map(i => `${i}/${count}`).join(', ')}`)
  // A shard's folder may have moved (a CI artifact downloaded elsewhere): its cases' logs move with it.
  for (const d of docs) for (const c of d.doc.cases) for (const k of ['console', 'dmesg'] as const) {
    const f = c.result.logs[k]
    if (f && f.startsWith(d.doc.run.dir + '/')) c.result.logs[k] = join(d.dir, f.slice(d.doc.run.dir.length + 1))
  }
  const order = new Map(first.doc.matrix.jobs.flatMap(j => j.cases).map((k, i) => [k, i]))
  const cases = docs.flatMap(d => d.doc.cases).sort((a, b) => (order.get(a.key) ?? 1e9) - (order.get(b.key) ?? 1e9))
  const errors = docs.filter(d => d.doc.error).map(d => `shard ${d.doc.run.shard?.index ?? 1}: ${d.doc.error!.message}`)
  const starts = docs.map(d => d.doc.run.startedAt).sort(), ends = docs.map(d => d.doc.run.finishedAt).sort()
  return {
    ...first.doc,
    run: { ...first.doc.run, id: runDir.split('/').pop()!, command, dir: runDir, startedAt: starts[0]!, finishedAt: ends[ends.length - 1]!, shard: null, mergedFrom: docs.map(d => d.dir) },
    budget: { minutes: first.doc.budget.minutes, plannedS: docs.reduce((s, d) => s + d.doc.budget.plannedS, 0), cut: docs.flatMap(d => d.doc.budget.cut) },
    cases,
    ...(errors.length ? { error: { fault: 'host', message: errors.join('; ') } } : { error: undefined }),
    timings: Object.fromEntries(docs.map(d => [`shard${d.doc.run.shard?.index ?? 1}Ms`, Date.parse(d.doc.run.finishedAt) - Date.parse(d.doc.run.startedAt)])),
    events: [],
  }
}
