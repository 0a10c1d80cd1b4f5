import type { NightlyDoc } from './runner.ts'
export function renderReport(doc: NightlyDoc): string { return `<!doctype html><title>${doc.run.id}</title>` }
