// The splitter's per-driver annotations (the paper's annotations): what the context table and the
// source cannot tell. Each driver's file holds one entry per annotation; their number is the
// annotation count the splitter reports. Our drivers are keyed by their spec's name, Linux's as
// linux/<name>.
import type { Overrides } from '../analyze.ts'
import { e1000 } from './e1000.ts'

const OVERRIDES: Record<string, Overrides> = {
  e1000,
}

/** A driver's annotations; none when it has no file. */
export function overridesOf(key: string): Overrides {
  return OVERRIDES[key] ?? {}
}
