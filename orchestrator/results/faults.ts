// The fault campaign's outcomes, named where both the campaign (scenarios/fault-campaign.ts) and
// the nightly report that draws its tallies can reach them: scenarios are imported only by the
// CLI command layer and by tests.

/** The anchors' outcomes (Nooks, MINIX 3), and two that say a fault did not take part. */
export const FAULT_OUTCOMES = ['not manifested', 'recovered unaided', 'hang detected and recovered', 'broken', 'kernel crash', 'hang undetected', 'not fired', 'not applicable'] as const
export type FaultOutcome = (typeof FAULT_OUTCOMES)[number]
