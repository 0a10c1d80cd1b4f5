// The scenario registry: `npm run scenario NAME` looks names up here.
import type { Scenario } from '../orchestrator/testbed/scenario.ts'
import { crashUdriver } from './crash-udriver.ts'
import { faultCampaign } from './fault-campaign.ts'
import { faultIsolation } from './fault-isolation.ts'
import { functional } from './functional.ts'
import { initTime } from './init-time.ts'
import { crashDuringProbe, crashLoop, fuzzChannel, garbageUdriver, hangUdriver } from './reliability.ts'
import { smoke } from './smoke.ts'
import { soak } from './soak.ts'
import { throughput } from './throughput.ts'
import { upcallLatency } from './upcall-latency.ts'

export const SCENARIOS: Record<string, Scenario> = {
  [smoke.name]: smoke,
  [throughput.name]: throughput,
  [functional.name]: functional,
  [upcallLatency.name]: upcallLatency,
  [initTime.name]: initTime,
  [crashUdriver.name]: crashUdriver,
  [hangUdriver.name]: hangUdriver,
  [garbageUdriver.name]: garbageUdriver,
  [crashLoop.name]: crashLoop,
  [crashDuringProbe.name]: crashDuringProbe,
  [fuzzChannel.name]: fuzzChannel,
  [faultCampaign.name]: faultCampaign,
  [faultIsolation.name]: faultIsolation,
  [soak.name]: soak,
}
