// One folder per run: results.json, junit.xml, results.ktap, summary.md, report.html.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { renderReport } from './report.ts'
import { renderJunit } from './junit.ts'
import { renderKtap } from './ktap.ts'
import type { NightlyDoc } from './runner.ts'
import { renderSummary } from './summary.ts'

export const OUTPUT_FILES = ['results.json', 'junit.xml', 'results.ktap', 'summary.md', 'report.html'] as const

export function writeOutputs(doc: NightlyDoc, dir: string): Record<(typeof OUTPUT_FILES)[number], string> {
  const files = {
    'results.json': JSON.stringify(doc, null, 1) + '\n',
    'junit.xml': renderJunit(doc),
    'results.ktap': renderKtap(doc),
    'summary.md': renderSummary(doc),
    'report.html': renderReport(doc),
  }
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  return Object.fromEntries(Object.keys(files).map(n => [n, join(dir, n)])) as Record<(typeof OUTPUT_FILES)[number], string>
}
