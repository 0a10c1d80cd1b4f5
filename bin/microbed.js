#!/usr/bin/env node
// The microbed CLI: loads the TypeScript orchestrator through tsx, no build step needed.
import { register } from 'tsx/esm/api'
register()
const { main } = await import('../orchestrator/cli/main.ts')
process.exitCode = await main(process.argv.slice(2))
