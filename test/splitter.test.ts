// DriverSlicer's splitter: the analysis on small fixtures (one construct each), on our e1000 (its
// hand split checked against the interface spec, its call edges against gcc's own call graph), and
// on Linux 6.1's e1000, 8139too and 8139cp from the guest kernel's linux-source package (each in at
// most 10 s, the context table's quotes checked against that tree's netdevices.rst).
import { expect } from 'chai'
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { silentLog } from '../orchestrator/base/log.ts'
import { paths } from '../orchestrator/base/options.ts'
import { ROOT } from '../orchestrator/slicer/generate.ts'
import { e1000 as e1000Spec } from '../orchestrator/slicer/specs/e1000.spec.ts'
import { SPECS } from '../orchestrator/slicer/specs/index.ts'
import { analyze, movable, summarize, violations } from '../orchestrator/slicer/split/analyze.ts'
import { OPS_CONTEXTS } from '../orchestrator/slicer/split/contexts.ts'
import { LINUX_DRIVERS, linuxTree, NETDEVICES_RST, sliceLinux, type LinuxTree } from '../orchestrator/slicer/split/linux.ts'
import { sliceOurs } from '../orchestrator/slicer/split/ours.ts'
import { parseDriver } from '../orchestrator/slicer/split/parse.ts'
import { linuxRow, ourProblems, ourRow, researchMarkdown } from '../orchestrator/slicer/split/report.ts'

const FX = join(ROOT, 'test/fixtures/splitter')

async function fixture() {
  const files = ['fx_driver.h', 'fx_driver.c'].map(f => ({ file: f, unit: f === 'fx_driver.h' ? f : 'fx_driver.c', src: readFileSync(join(FX, f), 'utf8') }))
  const facts = await parseDriver(files)
  return { facts, a: analyze('fixture', facts) }
}

describe('splitter: the analysis on fixtures', () => {
  it('takes roots and contexts from an ops initializer, request_irq, netif_napi_add, timer_setup and INIT_WORK', async () => {
    const { a } = await fixture()
    const root = (fn: string) => a.roots.filter(r => r.fn === fn).map(r => `${r.context}${r.critical ? ' critical' : ''} ${r.via.replace(/ \(.*/, '')}`)
    expect(root('fx_xmit')).to.deep.equal(['atomic critical net_device_ops.ndo_start_xmit'])
    expect(root('fx_set_rx_mode')).to.deep.equal(['atomic net_device_ops.ndo_set_rx_mode'])
    expect(root('fx_open')).to.deep.equal(['process net_device_ops.ndo_open'])
    expect(root('fx_intr')).to.deep.equal(['hardirq critical request_irq()'])
    expect(root('fx_poll')).to.deep.equal(['softirq critical netif_napi_add()'])
    expect(root('fx_timer')).to.deep.equal(['softirq timer_setup()'])
    expect(root('fx_stats_work')).to.deep.equal(['process INIT_WORK()'])
    expect(a.unknown).to.deep.equal([])
  })

  it('resolves an indirect call through a field to what was stored into it, and reports one nothing is stored into', async () => {
    const { a } = await fixture()
    expect(a.edges.filter(e => e.from === 'fx_poll' && e.kind === 'field').map(e => `${e.field}:${e.to}`)).to.deep.equal(['clean_rx:fx_clean_rx'])
    expect(a.unresolved.map(u => `${u.fn} ${u.expr}`)).to.deep.equal(['fx_poll a->ops->mystery'])
    expect(a.kernel.has('fx_clean_rx'), 'NAPI poll reaches fx_clean_rx').to.equal(true)
  })

  it('sees a call hidden in the driver\'s own macro, and keeps what a lock region calls (not the holder\'s other callees)', async () => {
    const { a, facts } = await fixture()
    expect(a.edges.some(e => e.from === 'fx_intr' && e.to === 'fx_write_reg'), 'FX_WR() hides fx_write_reg').to.equal(true)
    const intr = facts.flatMap(f => f.functions).find(f => f.name === 'fx_intr')!
    expect(intr.calls.find(c => c.callee === 'fx_write_reg')?.via).to.equal('FX_WR')
    expect(a.kernel.get('fx_locked_helper')?.reason).to.match(/inside a spinlock region of fx_stats_work/)
    expect(a.kernel.get('fx_stats_work')?.reason).to.match(/holds an atomic region/)
    expect(a.kernel.has('fx_ctl_stats'), 'called after the unlock: not atomic').to.equal(false)
  })

  it('flags the upcall made from ndo_set_rx_mode\'s context, with its call path', async () => {
    const { a } = await fixture()
    const user = new Set(a.functions.map(f => f.id).filter(id => id.startsWith('fx_ctl_')))
    const v = violations(a, user)
    expect(v.map(x => `${x.context}: ${x.path.join(' -> ')}`)).to.deep.equal(['atomic: fx_set_rx_mode -> fx_apply_rx_mode -> fx_ctl_rx_mode'])
    const p = summarize(a, user, () => true)
    expect(p.entryPoints.map(e => e.fn)).to.deep.equal(['fx_ctl_rx_mode', 'fx_ctl_stats'])
    expect(p.downcalls.map(d => `${d.kind}:${d.callee}`)).to.deep.equal(['kernel-function:fx_write_reg', 'kernel-service:mb_log'])
  })
})

describe('splitter: our microdrivers', function () {
  this.timeout(120_000)

  for (const spec of SPECS) {
    it(`${spec.driver}: no atomic root reaches the control path, and the kernel calls into it exactly at the spec's upcalls`, async () => {
      const r = await sliceOurs(spec.driver)
      expect(ourProblems(r)).to.deep.equal([])
      expect(r.violations).to.deep.equal([])
      expect(r.upcalls.undeclared).to.deep.equal([])
      const wanted = spec.upcalls.filter(u => !u.internal).map(u => u.impl)
      expect(r.upcalls.found.map(f => f.impl)).to.include.members(wanted)
      expect(r.upcalls.missing.every(m => /^internal/.test(m.why)), JSON.stringify(r.upcalls.missing)).to.equal(true)
      expect(r.best.movablePct).to.be.at.least(r.hand.movablePct)
      expect(r.keptInKernel.every(k => k.reason.length > 0)).to.equal(true)
    })
  }

  it('e1000: a partition that lets ndo_set_rx_mode call the control path directly fails, naming the path', async () => {
    const main = readFileSync(join(ROOT, 'kmod/e1000/main.c'), 'utf8')
    const bad = main.replace(/spin_unlock\(&a->rx_mode_lock\);\n\tschedule_work\(&a->rx_mode_work\);/, 'spin_unlock(&a->rx_mode_lock);\n\tmb_apply_rx_mode(a);')
    expect(bad).to.not.equal(main)
    const r = await sliceOurs('e1000', { edits: { 'kmod/e1000/main.c': bad } })
    const paths = r.violations.map(v => v.path.join(' -> '))
    expect(paths).to.include('mb_set_rx_mode -> mb_apply_rx_mode -> d_set_rx_mode -> e1000_hw_set_rx_mode')
    expect(ourProblems(r).join('\n')).to.match(/atomic code reaches the control path: mb_set_rx_mode -> /)
  })

  it('e1000: a difference between the kernel->user calls and the spec is reported both ways', async () => {
    const spec = { ...e1000Spec, upcalls: [...e1000Spec.upcalls.filter(u => u.name !== 'set_led'), { name: 'ghost', op: 99, impl: 'e1000_hw_ghost', doc: 'not implemented' }] }
    const r = await sliceOurs('e1000', { spec })
    expect(r.upcalls.undeclared.map(u => `${u.impl} <- ${u.callers.join(',')}`)).to.deep.equal(['e1000_hw_set_led <- d_set_led'])
    expect(r.upcalls.missing.map(m => m.impl)).to.include('e1000_hw_ghost')
    expect(ourProblems(r)).to.have.length(2)
  })

  it('e1000: every call edge gcc -fcallgraph-info finds between driver functions in the monolithic build is found (directly or through what gcc inlined)', async function () {
    const headers = join(paths.cache, 'headers')
    const kdir = existsSync(headers) ? readdirSync(headers).map(d => join(headers, d, 'usr/src')).flatMap(d => existsSync(d) ? readdirSync(d).filter(x => /^linux-headers-.*-amd64$/.test(x)).map(x => join(d, x)) : [])[0] : undefined
    if (!kdir) this.skip() // the guest tests unpack the headers first (npm test runs them before)
    const tmp = mkdtempSync(join(tmpdir(), 'splitter-cg-'))
    try {
      for (const top of ['kmod', 'udriver']) cpSync(join(ROOT, top), join(tmp, top), { recursive: true, filter: s => !/\.(o|ko|ci|cmd|mod)$/.test(s) })
      const b = spawnSync('make', ['-C', kdir!, `M=${join(tmp, 'kmod/e1000')}`, 'MB_VARIANT=monolithic', 'KCFLAGS=-fcallgraph-info', 'modules'], { encoding: 'utf8' })
      expect(b.status, b.stderr.slice(-2000)).to.equal(0)
      const r = await sliceOurs('e1000')
      const a = r.analysis
      const name = (id: string) => a.facts.get(id)!.name
      const names = new Set(a.functions.map(f => f.name))
      const unit = new Map(a.functions.map(f => [f.name, a.facts.get(f.id)!.unit]))
      const succ = new Map<string, Set<string>>()
      for (const e of a.edges) succ.set(name(e.from), new Set([...(succ.get(name(e.from)) ?? []), name(e.to)]))
      // gcc reports calls after inlining: A->C where A called B, inlined, which called C.
      const found = (x: string, y: string) => {
        const seen = new Set([x]), q = [x]
        while (q.length) for (const n of succ.get(q.shift()!) ?? []) {
          if (n === y) return true
          if (!seen.has(n) && unit.get(n) === unit.get(x)) { seen.add(n); q.push(n) }
        }
        return false
      }
      const ci = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap(e => e.isDirectory() ? ci(join(d, e.name)) : e.name.endsWith('.ci') ? [join(d, e.name)] : [])
      const base = (t: string) => t.replace(/^.*:/, '').replace(/\..*$/, '')
      const gcc: string[] = []
      for (const f of ci(join(tmp, 'kmod/e1000'))) for (const m of readFileSync(f, 'utf8').matchAll(/^edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"/gm)) {
        const x = base(m[1]!), y = base(m[2]!)
        if (names.has(x) && names.has(y) && !(x === y && /\.(part|constprop|isra|cold)\b/.test(m[1]! + m[2]!))) gcc.push(`${x} -> ${y}`)
      }
      expect(gcc.length, 'gcc wrote call graphs').to.be.greaterThan(100)
      expect([...new Set(gcc)].filter(e => { const [x, y] = e.split(' -> '); return !found(x!, y!) })).to.deep.equal([])
    } finally { rmSync(tmp, { recursive: true, force: true }) }
  })

  it('npm run slice -- --driver e1000 prints the check and exits 0; an unknown driver is refused with what to do', () => {
    const ok = spawnSync(process.execPath, ['bin/microbed.js', 'slice', '--driver', 'e1000'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, MICROBED_RESULTS: mkdtempSync(join(tmpdir(), 'slice-')) } })
    expect(ok.status, ok.stderr).to.equal(0)
    expect(ok.stdout).to.match(/atomic code reaching the control path: none/).and.match(/the analysis allows: [\d.]+% movable/)
    const bad = spawnSync(process.execPath, ['bin/microbed.js', 'slice', '--driver', 'nosuch'], { cwd: ROOT, encoding: 'utf8' })
    expect(bad.status).to.equal(64)
    expect(bad.stderr).to.match(/no microdriver "nosuch"/).and.match(/what to do: --driver takes one of .*e1000/)
  })
})

describe('splitter: Linux 6.1\'s own drivers', function () {
  this.timeout(600_000)
  let tree: LinuxTree
  before(async () => { tree = await linuxTree(silentLog()) })

  it('fetches linux-source at the guest kernel\'s version and extracts only the drivers and netdevices.rst', () => {
    expect(tree.pkg.version).to.equal(tree.kernelPkg.version)
    for (const d of LINUX_DRIVERS) for (const f of [...d.sources, ...d.headers]) expect(existsSync(join(tree.root, f)), f).to.equal(true)
    expect(existsSync(join(tree.root, 'drivers/net/ethernet/intel/e1000/Makefile'))).to.equal(false)
  })

  it('quotes netdevices.rst right: each entry that cites it matches the guest kernel\'s file', () => {
    const rst = readFileSync(join(tree.root, NETDEVICES_RST), 'utf8').replace(/\s+/g, ' ')
    const cited = Object.values(OPS_CONTEXTS).flatMap(s => Object.values(s)).map(c => c.doc).filter(d => d.startsWith('netdevices.rst '))
    expect(cited.length).to.be.greaterThan(8)
    for (const doc of cited) {
      const m = /^netdevices\.rst (\S+): (Synchronization: .*?) (Context: .*)$/.exec(doc)
      expect(m, doc).to.not.equal(null)
      const at = rst.indexOf(` ${m![1]}: `)
      expect(at, `${m![1]} is in netdevices.rst`).to.be.at.least(0)
      const block = rst.slice(at, at + 900)
      expect(block, doc).to.include(m![2]!.replace(/\s+/g, ' ').replace(/\.$/, ''))
      expect(block, doc).to.include(m![3]!.replace(/\s+/g, ' ').replace(/\.$/, ''))
    }
  })

  for (const d of LINUX_DRIVERS) {
    it(`${d.name}: analysed in at most 10 s, its interrupt, NAPI poll and transmit are critical roots, nothing of unknown context`, async () => {
      const r = await sliceLinux(d.name, tree)
      expect(r.elapsedMs).to.be.at.most(10_000)
      const crit = r.analysis.roots.filter(x => x.critical)
      expect(crit.map(x => x.via.replace(/ \(.*/, '').replace('netif_napi_add_weight', 'netif_napi_add'))).to.include.members(['request_irq()', 'netif_napi_add()', 'net_device_ops.ndo_start_xmit'])
      expect(r.analysis.unknown).to.deep.equal([])
      expect(r.best.kernel.functions).to.be.greaterThan(5)
      expect(r.best.user.functions).to.be.greaterThan(5)
      expect(linuxRow(r).movablePct).to.be.within(1, 99)
    })
  }

  it('e1000: the watchdog, unlike in the paper\'s 2.6 kernel, is a work item (process context), so it may move', async () => {
    const r = await sliceLinux('e1000', tree)
    expect(r.analysis.roots.filter(x => x.fn === 'e1000_watchdog').map(x => `${x.context} ${x.via.replace(/ \(.*/, '')}`)).to.deep.equal(['process INIT_DELAYED_WORK()'])
    expect(movable(r.analysis).has('e1000_watchdog')).to.equal(true)
  })

  it('writes the research table: the five drivers beside the paper', async () => {
    const rows = [...await Promise.all(LINUX_DRIVERS.map(async d => linuxRow(await sliceLinux(d.name, tree)))),
      ...await Promise.all(SPECS.map(async s => ourRow(await sliceOurs(s.driver))))]
    const md = researchMarkdown(rows, [])
    for (const n of ['Linux e1000', 'Linux 8139too', 'Linux 8139cp', 'our e1000', 'our rtl8139', 'up to 65%', '1–6% of lines']) expect(md).to.include(n)
    expect(md).to.not.include('pending')
  })
})
