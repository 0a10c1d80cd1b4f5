// Annotations for our e1000 microdriver (monolithic build).
import type { Overrides } from '../analyze.ts'

export const e1000: Overrides = {}
