// report.html: one self-contained page (no network): the verdict matrix (scenario × NIC × variant,
// colour and text), the baseline comparison, throughput by variant with its spread, the ratios
// between variants with their intervals, recovery-time distributions, fault-campaign tallies per
// variant with confidence intervals, and for each case its checks with links to its console and
// dmesg and excerpts of both. The charts are Observable Plot (with d3), inlined from node_modules.
import { existsSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { paths } from '../base/options.ts'
import type { Measurement } from '../results/results.ts'
import { fmtNum, OUTCOMES, type Item } from './baseline.ts'
import { fmtS } from './matrix.ts'
import type { NightlyCase, NightlyDoc } from './runner.ts'
import { wilson } from './update.ts'
import { FAULT_OUTCOMES, type FaultOutcome } from '../results/faults.ts'

/** The fault campaign's outcomes in the tallies chart: good green, lost grey, bad warm. */
const FAULT_COLORS: Record<FaultOutcome, string> = {
  'not manifested': '#a5d6a7', 'recovered unaided': '#4caf50', 'hang detected and recovered': '#2e7d32', broken: '#ff9800',
  'kernel crash': '#e53935', 'hang undetected': '#9c27b0', 'not fired': '#bdbdbd', 'not applicable': '#e0e0e0',
}

const LIBS = [join(paths.root, 'node_modules/d3/dist/d3.min.js'), join(paths.root, 'node_modules/@observablehq/plot/dist/plot.umd.min.js')]
let libCache: string | null = null
/** The chart libraries, each inlined (a closing script tag inside them escaped). */
function libraries(): string {
  libCache ??= LIBS.map(f => `<script>${readFileSync(f, 'utf8').replace(/<\/(script)/gi, '<\\/$1')}</script>`).join('\n')
  return libCache
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
const anchor = (key: string) => `case-${key.replace(/[^A-Za-z0-9_-]+/g, '-')}`
const STATUS_TEXT: Record<string, string> = { PASS: 'PASS', FAIL: 'FAIL', ERROR: 'ERROR', MISS: 'MISS', SKIP: 'SKIP', DONE: 'DONE', CUT: 'CUT' }

/** The lines of a log worth reading first: microbed events, crash reports, and the end. */
function excerpt(file: string | undefined, limit = 4000): string | null {
  if (!file || !existsSync(file)) return null
  const lines = readFileSync(file, 'utf8').split('\n')
  const marked = lines.filter(l => /microbed: event=|BUG:|WARNING:|Oops|panic|RIP:|Call Trace|segfault/.test(l)).slice(-40)
  const tail = lines.slice(-30)
  const text = [...marked, ...(marked.length ? ['…'] : []), ...tail.filter(l => !marked.includes(l))].join('\n')
  return text.length > limit ? '…' + text.slice(-limit) : text
}

interface ChartData {
  throughput: { panel: string; variant: string; value: number }[]
  throughputStats: { panel: string; variant: string; median: number; min: number; max: number }[]
  ratios: { label: string; value: number; low: number | null; high: number | null }[]
  recovery: { label: string; value: number }[]
  tallies: { label: string; outcome: string; count: number }[]
  recovered: { label: string; pct: number; low: number; high: number; fired: number }[]
}

function chartData(doc: NightlyDoc): ChartData {
  const d: ChartData = { throughput: [], throughputStats: [], ratios: [], recovery: [], tallies: [], recovered: [] }
  const ms = (c: NightlyCase) => c.result.measurements
  for (const c of doc.cases) {
    const { nic, variant } = c.result
    for (const m of ms(c)) {
      const tp = /^TCP (rx|tx)\b/.exec(m.name)
      if (tp && m.unit === 'Mbit/s') {
        const panel = `${nic} ${tp[1]}`
        for (const v of m.samples ?? [m.value]) d.throughput.push({ panel, variant, value: v })
        d.throughputStats.push({ panel, variant, median: m.value, min: m.spread?.min ?? m.value, max: m.spread?.max ?? m.value })
      }
      if (m.unit === 'ratio' && /throughput ratio/.test(m.name)) d.ratios.push({ label: `${nic} ${m.name.replace(' throughput ratio', '')}`, value: m.value, low: m.interval?.low ?? null, high: m.interval?.high ?? null })
      if (m.unit === 'ms' && /recovery/.test(m.name)) for (const v of m.samples ?? [m.value]) d.recovery.push({ label: `${c.key}: ${m.name}`, value: v })
      // fault-campaign's tallies per slot ("crash: recovered unaided"); its "all: …" sums are not drawn again
      const t = /^(\w[\w.-]*): (.+)$/.exec(m.name)
      if (t && t[1] !== 'all' && m.unit === 'faults' && (FAULT_OUTCOMES as readonly string[]).includes(t[2]!)) d.tallies.push({ label: `${nic}/${variant} ${t[1]}`, outcome: t[2]!, count: m.value })
      if (/recovered without help/.test(m.name) && m.unit === '%') {
        const fired = Number(m.extra?.fired ?? 0)
        const w = wilson(Math.round((m.value / 100) * fired), fired)
        d.recovered.push({ label: `${nic}/${variant}`, pct: m.value, low: w.low * 100, high: w.high * 100, fired })
      }
    }
  }
  return d
}

function matrix(doc: NightlyDoc): string {
  const items = doc.comparison.items
  const cut = new Map(doc.budget.cut.flatMap(c => c.cases.map(k => [k, c.why] as const)))
  const keys = [...doc.cases.map(c => c.key), ...cut.keys()]
  const scenarios = [...new Set(keys.map(k => k.split('/')[0]!))]
  const nics = [...new Set(keys.map(k => k.split('/')[1]!))]
  const variants = ['native', 'monolithic', 'split'].filter(v => keys.some(k => k.endsWith(`/${v}`)))
  for (const k of keys) { const v = k.split('/')[2]!; if (!variants.includes(v)) variants.push(v) }
  const cols = nics.flatMap(n => variants.map(v => [n, v] as const))
  const head = `<tr><th rowspan="2">scenario</th>${nics.map(n => `<th colspan="${variants.length}">${esc(n)}</th>`).join('')}</tr><tr>${cols.map(([, v]) => `<th>${esc(v)}</th>`).join('')}</tr>`
  const rows = scenarios.map(sc => `<tr><th scope="row">${esc(sc)}</th>${cols.map(([n, v]) => {
    const key = `${sc}/${n}/${v}`
    const c = doc.cases.find(x => x.key === key)
    if (!c) return cut.has(key) ? `<td class="st-CUT" data-case="${esc(key)}" data-status="CUT" title="${esc(`cut by the budget: ${cut.get(key)}`)}">CUT</td>` : '<td class="none"></td>'
    const failing = items.some(i => i.case === key && i.failing)
    const known = !failing && (c.kcidb === 'FAIL' || c.kcidb === 'ERROR')
    const note = failing ? ' ▲ regressed' : known ? ' (known)' : c.attempts.length > 1 ? ' ↻' : ''
    const title = `${key}: ${c.kcidb}${c.result.reason ? ` — ${c.result.reason}` : ''}${c.attempts.length > 1 ? ` (retried after an infrastructure failure: ${c.attempts[0]!.reason ?? ''})` : ''}`
    return `<td class="st-${c.kcidb}${failing ? ' regressed' : ''}" data-case="${esc(key)}" data-status="${c.kcidb}" title="${esc(title)}"><a href="#${anchor(key)}">${STATUS_TEXT[c.kcidb]}${note}</a></td>`
  }).join('')}</tr>`).join('\n')
  return `<table class="matrix" id="matrix"><thead>${head}</thead><tbody>${rows}</tbody></table>
<p class="legend">${['PASS', 'FAIL', 'ERROR', 'MISS', 'SKIP', 'CUT'].map(s => `<span class="st-${s}">${s}</span>`).join(' ')} — FAIL: a check failed; ERROR: the case could not finish; MISS: the infrastructure failed, after one retry (not the driver's fault); SKIP: not applicable (reason on hover); CUT: left out by the budget; ▲ regressed against the baseline; (known): a known failure; ↻ passed on its retry.</p>`
}

function comparisonTable(doc: NightlyDoc): string {
  const c = doc.comparison
  const row = (i: Item) => `<tr class="oc-${i.outcome.replace(' ', '-')}${i.failing ? ' failing' : ''}"><td>${esc(i.outcome)}${i.failing ? ' ✗' : ''}</td><td><a href="#${anchor(i.case)}">${esc(i.case)}</a></td><td>${esc(i.name)}</td><td>${i.status}</td><td>${esc(i.detail)}</td></tr>`
  // What needs a person first: failures, then the changes; new passing items and unchanged ones folded.
  const failing = c.items.filter(i => i.failing)
  const changed = c.items.filter(i => !i.failing && ['unexpected pass', 'better', 'missing', 'regressed'].includes(i.outcome)).sort((a, b) => OUTCOMES.indexOf(a.outcome) - OUTCOMES.indexOf(b.outcome))
  const fresh = c.items.filter(i => !i.failing && i.outcome === 'new')
  const same = c.items.filter(i => !i.failing && i.outcome === 'same')
  const head = '<thead><tr><th>outcome</th><th>case</th><th>check or figure</th><th>status</th><th>detail</th></tr></thead>'
  const table = (id: string, rows: Item[]) => `<table class="items" id="${id}">${head}<tbody>${rows.map(row).join('\n')}</tbody></table>`
  return `<p id="counts">${OUTCOMES.map(o => `<span class="oc-${o.replace(' ', '-')}">${c.counts[o] ?? 0} ${o}</span>`).join(' · ')} — against <code>${esc(c.baseline?.file ?? 'no baseline')}</code>${c.baseline ? ` (${c.baseline.hash})` : ''}</p>
${c.expired.length ? `<p class="warn">Expired known-failure entries (they no longer excuse a failure): ${c.expired.map(k => `<code>${esc(k.case)}${k.check ? ` › ${esc(k.check)}` : ''}</code> expired ${k.expires} (${esc(k.reason)}; ${esc(k.ref)})`).join('; ')}</p>` : ''}
<h3>Regressions and new failures (${failing.length})</h3>
${failing.length ? table('failing', failing) : '<p>None.</p>'}
${changed.length ? `<h3>Other changes (${changed.length})</h3>${table('changes', changed)}` : ''}
${fresh.length ? `<details><summary>${fresh.length} new checks and figures, not failing (not in the baseline)</summary>${table('new', fresh)}</details>` : ''}
<details><summary>${same.length} checks and figures as in the baseline</summary>${table('same', same)}</details>`
}

function measurementText(m: Measurement): string {
  return `${esc(m.name)}: ${fmtNum(m.value)} ${esc(m.unit)}${m.spread ? ` (min ${fmtNum(m.spread.min)}, max ${fmtNum(m.spread.max)}, spread ${m.spread.relativePct}%)` : ''}${m.interval ? ` (${m.interval.coveragePct}% interval ${fmtNum(m.interval.low)} to ${fmtNum(m.interval.high)})` : ''}`
}

function caseDetail(doc: NightlyDoc, c: NightlyCase): string {
  const r = c.result
  const items = new Map(doc.comparison.items.filter(i => i.case === c.key).map(i => [i.name, i]))
  const link = (label: string, file?: string) => (file ? `<a href="${esc(relative(doc.run.dir, file))}">${label}</a>` : '')
  const ex = (label: string, file?: string) => { const t = excerpt(file); return t ? `<details class="excerpt"><summary>${label} excerpt</summary><pre>${esc(t)}</pre></details>` : '' }
  const checks = r.checks.map(k => {
    const i = items.get(k.name)
    return `<tr class="${k.ok ? 'ok' : k.known ? 'known' : 'bad'}"><td>${k.ok ? '✓' : k.known ? '≈' : '✗'}</td><td>${esc(k.name)}</td><td><pre>${esc(k.evidence.split('\n').slice(0, 12).join('\n'))}</pre>${k.known ? `<div class="known">known difference: ${esc(k.known)}</div>` : ''}</td><td>${i ? `${esc(i.outcome)}${i.failing ? ' ✗' : ''}` : ''}</td></tr>`
  }).join('')
  const figs = r.measurements.map(m => { const i = items.get(m.name); return `<li>${measurementText(m)}${i && i.outcome !== 'new' ? ` — <span class="oc-${i.outcome.replace(' ', '-')}">${esc(i.outcome)}</span>${i.band ? ` (band ${fmtNum(i.band.low)} to ${fmtNum(i.band.high)})` : ''}` : ''}</li>` }).join('')
  return `<section class="case st-border-${c.kcidb}" id="${anchor(c.key)}"><h3><span class="st-${c.kcidb}">${c.kcidb}</span> ${esc(c.key)} <small>${fmtS(c.durationMs / 1000)}</small></h3>
${r.reason ? `<p class="reason">${esc(r.reason)}</p>` : ''}${c.infra ? `<p class="warn">Infrastructure failure after one retry (not counted as a driver failure): ${esc(c.infra)}</p>` : ''}${c.attempts.length > 1 && !c.infra ? `<p class="warn">Passed on its retry; first attempt: ${esc(c.attempts[0]!.reason ?? '')}</p>` : ''}
${checks ? `<table class="checks"><thead><tr><th></th><th>check</th><th>evidence</th><th>baseline</th></tr></thead><tbody>${checks}</tbody></table>` : ''}
${figs ? `<ul class="figures">${figs}</ul>` : ''}
${r.evidence && r.status !== 'pass' ? `<details class="excerpt"><summary>evidence</summary><pre>${esc(r.evidence.split('\n').slice(-60).join('\n'))}</pre></details>` : ''}
<p class="logs">${[link('console.log', r.logs.console), link('dmesg.log', r.logs.dmesg)].filter(Boolean).join(' · ') || 'no logs (no guest booted)'}</p>${ex('console', r.logs.console)}${ex('dmesg', r.logs.dmesg)}
</section>`
}

const CSS = `
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;max-width:1400px}
h1{font-size:1.5em;margin:.2em 0}h2{margin-top:1.6em;border-bottom:1px solid #ddd}h3{font-size:1.05em;margin:.3em 0}
table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #ccc;padding:3px 6px;vertical-align:top;text-align:left;overflow-wrap:anywhere}
.matrix td{text-align:center;min-width:6em;font-weight:600}.matrix td a{color:inherit;text-decoration:none;display:block}
.st-PASS{background:#c8ecc9}.st-FAIL{background:#f4b4b4}.st-ERROR{background:#f7cf9b}.st-MISS{background:#d9c6f0}.st-SKIP{background:#e6e6e6;color:#555}.st-DONE{background:#c9def5}.st-CUT{background:repeating-linear-gradient(45deg,#eee,#eee 4px,#fff 4px,#fff 8px);color:#666}
.legend span,#counts span{padding:1px 5px;border-radius:3px}.regressed{outline:3px solid #b00020;outline-offset:-3px}
.oc-regressed,.failing td:first-child{color:#b00020;font-weight:600}.oc-better{color:#1b5e20}.oc-unexpected-pass{color:#8a5300;font-weight:600}.oc-new{color:#0d47a1}.oc-missing{color:#6a1b9a}
.warn{background:#fff4e5;border-left:4px solid #f0a020;padding:4px 8px}.status-pass{color:#1b5e20}.status-regressed{color:#b00020}.status-incomplete{color:#8a5300}
pre{margin:0;white-space:pre-wrap;font:12px/1.3 ui-monospace,monospace;max-height:18em;overflow:auto}
.case{border-left:6px solid #ccc;padding:2px 10px;margin:10px 0}.st-border-PASS{border-color:#5cb85c}.st-border-FAIL{border-color:#d9534f}.st-border-ERROR{border-color:#f0ad4e}.st-border-MISS{border-color:#9c6ade}
.checks tr.bad td:first-child{color:#b00020}.checks tr.ok td:first-child{color:#1b5e20}.known{color:#8a5300;font-size:.9em}
figure.chart{margin:.5em 0 1.5em}figure.chart figcaption{font-weight:600;margin-bottom:.3em}.empty{color:#777;font-style:italic}
`

const CLIENT = `
(function () {
  var t0 = performance.now();
  var D = JSON.parse(document.getElementById('report-data').textContent);
  var W = Math.min(1100, document.body.clientWidth - 40);
  function chart(id, rows, make) {
    var fig = document.querySelector('[data-chart="' + id + '"]');
    var host = fig.querySelector('.plot');
    if (!rows.length) { host.innerHTML = '<p class="empty">no such figure in this run</p>'; fig.dataset.rendered = 'empty'; return; }
    try { host.append(make()); fig.dataset.rendered = 'yes'; }
    catch (e) { fig.dataset.rendered = 'error'; console.error('chart ' + id + ': ' + e.message); }
  }
  var variants = ['native', 'monolithic', 'split'];
  chart('throughput', D.throughput, function () { return Plot.plot({
    width: W, height: 300, marginLeft: 60, fx: { label: null }, x: { domain: variants, label: null }, y: { label: 'Mbit/s', grid: true, zero: true }, color: { domain: variants, legend: true },
    marks: [
      Plot.ruleX(D.throughputStats, { fx: 'panel', x: 'variant', y1: 'min', y2: 'max', stroke: 'variant', strokeWidth: 2 }),
      Plot.dot(D.throughput, { fx: 'panel', x: 'variant', y: 'value', fill: 'variant', r: 3, title: function (d) { return d.panel + ' ' + d.variant + ': ' + d.value.toFixed(0) + ' Mbit/s'; } }),
      Plot.tickY(D.throughputStats, { fx: 'panel', x: 'variant', y: 'median', strokeWidth: 2 })
    ] }); });
  chart('ratios', D.ratios, function () { return Plot.plot({
    width: W, height: 40 + 26 * D.ratios.length, marginLeft: 200, x: { label: 'ratio of the medians (interval: per-round ratios)', grid: true }, y: { label: null },
    marks: [
      Plot.ruleX([1], { stroke: '#999' }),
      Plot.ruleY(D.ratios.filter(function (d) { return d.low !== null; }), { y: 'label', x1: 'low', x2: 'high', strokeWidth: 2 }),
      Plot.dot(D.ratios, { y: 'label', x: 'value', fill: 'currentColor', r: 4, title: function (d) { return d.label + ': ' + d.value.toFixed(3); } })
    ] }); });
  chart('recovery', D.recovery, function () { return Plot.plot({
    width: W, height: 60 + 30 * new Set(D.recovery.map(function (d) { return d.label; })).size, marginLeft: 360, x: { label: 'ms', grid: true, zero: true }, y: { label: null },
    marks: [
      Plot.dot(D.recovery, { y: 'label', x: 'value', stroke: 'label', r: 3.5, title: function (d) { return d.value + ' ms'; } }),
      Plot.tickX(D.recovery, Plot.groupY({ x: 'median' }, { y: 'label', x: 'value', strokeWidth: 2 }))
    ] }); });
  chart('tallies', D.tallies, function () { return Plot.plot({
    width: W, height: 60 + 24 * new Set(D.tallies.map(function (d) { return d.label; })).size, marginLeft: 220, x: { label: 'faults', grid: true }, y: { label: null },
    color: { legend: true, domain: ${JSON.stringify(FAULT_OUTCOMES)}, range: ${JSON.stringify(FAULT_OUTCOMES.map(o => FAULT_COLORS[o]))} },
    marks: [Plot.barX(D.tallies, Plot.stackX({ y: 'label', x: 'count', fill: 'outcome', title: function (d) { return d.label + ' ' + d.outcome + ': ' + d.count; } }))] }); });
  chart('recovered', D.recovered, function () { return Plot.plot({
    width: W, height: 60 + 30 * D.recovered.length, marginLeft: 160, x: { label: '% of the faults that fired, recovered without help (95% Wilson interval)', domain: [0, 100], grid: true }, y: { label: null },
    marks: [
      Plot.ruleY(D.recovered, { y: 'label', x1: 'low', x2: 'high', strokeWidth: 2 }),
      Plot.dot(D.recovered, { y: 'label', x: 'pct', fill: 'currentColor', r: 4, title: function (d) { return d.pct.toFixed(1) + '% of ' + d.fired; } })
    ] }); });
  window.__reportRenderMs = performance.now() - t0;
  document.documentElement.dataset.ready = '1';
})();
`

export function renderReport(doc: NightlyDoc): string {
  const data = chartData(doc)
  const c = doc.comparison
  const dur = (Date.parse(doc.run.finishedAt) - Date.parse(doc.run.startedAt)) / 1000
  const cutCases = doc.budget.cut.reduce((s, x) => s + x.cases.length, 0)
  const figure = (id: string, caption: string) => `<figure class="chart" data-chart="${id}"><figcaption>${caption}</figcaption><div class="plot"></div></figure>`
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>microbed nightly ${esc(doc.run.id)}: ${doc.status}</title><style>${CSS}</style></head>
<body>
<h1>microbed nightly: <span class="status-${doc.status}">${doc.status.toUpperCase()}</span> <small>(exit ${doc.exitCode})</small></h1>
<p>Run <code>${esc(doc.run.id)}</code>${doc.run.mergedFrom ? ` merged from ${doc.run.mergedFrom.length} shards` : doc.run.shard ? ` — shard ${doc.run.shard.index}/${doc.run.shard.count}` : ''} · commit <code>${esc(doc.run.gitCommit ?? 'unknown')}</code> · ${esc(doc.environment.accel ? `${doc.environment.accel.accel.toUpperCase()} (${doc.environment.accel.reason})` : 'accelerator unknown')} · ${doc.environment.qemuVersion ? esc(doc.environment.qemuVersion) + ' · ' : ''}${doc.environment.image ? `kernel ${esc(doc.environment.image.kernelPackage)} · ` : ''}started ${esc(doc.run.startedAt)} · ${Number.isFinite(dur) ? fmtS(dur) : '?'} of a ${doc.budget.minutes} min budget</p>
<p>${doc.cases.length} cases, ${c.items.length} checks and figures: <b>${c.regressions}</b> regressed or new failing · ${doc.cases.filter(x => x.infra).length} infrastructure failures · ${cutCases} cases cut by the budget · ${c.counts['unexpected pass'] ?? 0} unexpected passes.</p>
${doc.error ? `<p class="warn"><b>The run stopped:</b> ${esc(doc.error.message)}${doc.error.hint ? ` — ${esc(doc.error.hint)}` : ''}</p>` : ''}
<h2>Verdicts</h2>
${matrix(doc)}
${doc.budget.cut.length ? `<h2>Cut by the budget</h2><ul id="cuts">${doc.budget.cut.map(x => `<li><code>${esc(x.job)}</code> (${x.cases.length} cases): ${esc(x.why)}</li>`).join('')}</ul>` : ''}
<h2>Figures</h2>
${figure('throughput', 'TCP throughput by variant: every run (dots), median (tick), min to max (bar)')}
${figure('ratios', 'Throughput ratios between variants measured side by side, with their ≥ 90 % intervals')}
${figure('recovery', 'Recovery times: every crash (dots) and the median (tick)')}
${figure('tallies', 'Fault-campaign outcomes per variant and fault kind')}
${figure('recovered', 'Fault campaign: faults recovered without help, per variant, with 95 % confidence intervals')}
<h2>Against the baseline</h2>
${comparisonTable(doc)}
<h2>Cases</h2>
${doc.cases.map(x => caseDetail(doc, x)).join('\n')}
<script type="application/json" id="report-data">${JSON.stringify(data).replace(/</g, '\\u003c')}</script>
${libraries()}
<script>${CLIENT}</script>
</body></html>
`
}
