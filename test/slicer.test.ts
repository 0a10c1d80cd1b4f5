// DriverSlicer's code generator: the generated C is current with every spec, and each driver's
// generated decoders, the kernel's check of every reply from a u-driver and the u-driver's check of
// every upcall, refuse truncated, oversized, random and out-of-range messages without a memory
// error (built on the host with gcc under AddressSanitizer and UBSan, fed by a seeded harness per
// driver: test/fixtures/slicer/<driver>.harness.c).
import { expect } from 'chai'
import { execFileSync, spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { banner, generate, generateAll, genPaths, layoutFingerprint, ROOT, staleFiles } from '../orchestrator/slicer/generate.ts'
import { SPECS } from '../orchestrator/slicer/specs/index.ts'
import { e1000 } from '../orchestrator/slicer/specs/e1000.spec.ts'
import { splitStats, isGenerated } from '../orchestrator/slicer/splitstats.ts'

interface Case { name: string; want: number; got: number; field: string }

describe('slicer: the code generated from the interface specs', function () {
  this.timeout(180_000)

  it('is current: every generated file on disk is what its spec gives (npm run generate -- --check)', function () {
    expect(staleFiles()).to.deep.equal([])
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'orchestrator/slicer/generate.ts', '--check'], { cwd: ROOT, encoding: 'utf8' })
    expect(r.status, r.stderr).to.equal(0)
  })

  it('is reported stale when a generated file is edited by hand or missing', function () {
    const tmp = mkdtempSync(join(tmpdir(), 'slicer-'))
    try {
      const files = [...generateAll().keys()]
      for (const f of files) { mkdirSync(dirname(join(tmp, f)), { recursive: true }); cpSync(join(ROOT, f), join(tmp, f)) }
      expect(staleFiles(tmp)).to.deep.equal([])
      const edited = files.find(f => f.endsWith('/gen/reply.c'))!
      writeFileSync(join(tmp, edited), readFileSync(join(tmp, edited), 'utf8').replace('<= 1', '<= 2'))
      rmSync(join(tmp, files[0]!))
      expect(staleFiles(tmp)).to.have.members([edited, files[0]!])
      const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'orchestrator/slicer/generate.ts'), '--check', '--root', tmp], { cwd: ROOT, encoding: 'utf8' })
      expect(r.status).to.equal(1)
      expect(r.stderr).to.contain(edited)
    } finally { rmSync(tmp, { recursive: true, force: true }) }
  })

  it('writes generated files only into gen/ folders, each spec into its own driver\'s', function () {
    for (const spec of SPECS) for (const f of generate(spec).keys()) {
      expect(f, f).to.match(new RegExp(`^(kmod|udriver)/${spec.driver}/gen/[^/]+$`))
    }
  })

  it('stamps both sides with a fingerprint of the spec that a size or range moves and a doc string does not', () => {
    const base = layoutFingerprint(e1000)
    expect(readFileSync(join(ROOT, genPaths(e1000).proto), 'utf8')).to.include(`#define MB_E1000_LAYOUT\t\t0x${base.toString(16).padStart(8, '0')}u`)
    expect(layoutFingerprint({ ...e1000, upcalls: e1000.upcalls.map(u => ({ ...u, doc: `${u.doc}, reworded` })) })).to.equal(base)
    expect(layoutFingerprint({ ...e1000, shared: { ...e1000.shared, size: e1000.shared.size + 8 } })).to.not.equal(base)
    expect(layoutFingerprint({ ...e1000, upcalls: e1000.upcalls.map(u => u.name === 'set_vlan' ? { ...u, args: [{ name: 'vid', type: 'u32', range: [0, 4094] }, u.args![1]!] } : u) })).to.not.equal(base)
    expect(layoutFingerprint({ ...e1000, errnos: [...e1000.errnos, 'EPERM'] })).to.not.equal(base)
    // the hand-written half: a bound the checks use by name, and the order of the state's fields
    const hw = readFileSync(join(ROOT, 'udriver/e1000/e1000_hw.h'), 'utf8')
    expect(layoutFingerprint(e1000, hw.replace(/(#define E1000_MTU_MAX\s+)16110/, '$19000'))).to.not.equal(base)
    expect(layoutFingerprint(e1000, hw.replace(/(\tuint32_t rx_usecs;.*\n)(\tuint32_t wol;.*\n)/, '$2$1'))).to.not.equal(base)
    expect(layoutFingerprint(e1000, hw.replace(/(#define E1000_MTU_MAX\s+16110)/, '$1\t/* a comment */'))).to.equal(base)
    expect(layoutFingerprint({ ...e1000, ethtool: [], kernel: { ...e1000.kernel, relink: 'other' } })).to.equal(base) // kernel-only glue
  })

  it('is deterministic and every file carries the banner split-stats recognises', function () {
    for (const spec of SPECS) {
      const a = generate(spec); const b = generate(spec)
      for (const [f, text] of a) {
        expect(text, f).to.equal(b.get(f))
        expect(text.split('\n')[0], f).to.equal(banner(spec))
        expect(isGenerated(text), f).to.equal(true)
      }
    }
  })

  it('is left out of split-stats, which lists it separately', function () {
    const s = splitStats('e1000', 'mb_e1000_split')
    const counted = [...s.kernel, ...s.user].map(f => f.file)
    expect(counted.filter(f => /\/gen\//.test(f))).to.deep.equal([])
    expect(s.generated.map(f => f.file)).to.include.members(['kmod/e1000/gen/ctl_upcall.c', 'kmod/e1000/gen/reply.c', 'udriver/e1000/gen/dispatch.c'])
  })

  for (const spec of SPECS) describe(`host fuzzing of ${spec.driver}'s generated decoders (gcc -fsanitize=address,undefined)`, function () {
    const harness = join(ROOT, 'test/fixtures/slicer', `${spec.driver}.harness.c`)
    let cases: Case[] = []
    let out = ''
    before(function () {
      expect(existsSync(harness), `every spec needs its fuzz harness: ${harness} is missing`).to.equal(true)
      const dir = mkdtempSync(join(tmpdir(), 'slicer-fuzz-'))
      try {
        const bin = join(dir, 'harness')
        const g = genPaths(spec)
        execFileSync('gcc', ['-std=gnu11', '-g', '-O1', '-Wall', '-Wextra', '-Werror', '-fsanitize=address,undefined',
          '-fno-sanitize-recover=all', '-fno-omit-frame-pointer', `-I${ROOT}`, '-o', bin, harness,
          join(ROOT, g.kernel, 'reply.c'), join(ROOT, g.user, 'decode.c')], { stdio: 'pipe' })
        const r = spawnSync(bin, ['0x5eed1234', '3000'], { encoding: 'utf8', env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0' }, maxBuffer: 64 << 20 })
        out = r.stdout + r.stderr
        expect(r.status, out.slice(-4000)).to.equal(0)
        cases = r.stdout.trim().split('\n').map(l => { const [name, want, got, field] = l.split(' '); return { name: name!, want: Number(want), got: Number(got), field: field! } })
      } finally { rmSync(dir, { recursive: true, force: true }) }
    })
    const failing = (pred: (c: Case) => boolean) => cases.filter(pred).filter(c => c.got !== c.want)

    it('reports no memory or undefined-behaviour error', function () {
      expect(out).to.not.match(/AddressSanitizer|runtime error|LeakSanitizer/)
    })

    it('kernel side: accepts a valid reply to every op', function () {
      const valid = cases.filter(c => c.name.startsWith('valid:'))
      expect(valid.length).to.be.greaterThan(spec.upcalls.length)
      expect(failing(c => c.name.startsWith('valid:') || c.name.startsWith('ignored:'))).to.deep.equal([])
    })

    it('kernel side: refuses truncated, oversized, random and wrong-op replies with -EINVAL', function () {
      for (const n of ['truncated-or-oversized', 'random', 'random-body']) expect(cases.find(c => c.name === n), n).to.include({ got: 0 })
      expect(failing(c => c.name.startsWith('wrong-op:'))).to.deep.equal([])
    })

    it('kernel side: refuses every out-of-range field with -EINVAL, naming the field', function () {
      const range = cases.filter(c => c.name.startsWith('range:'))
      expect(failing(c => c.name.startsWith('range:'))).to.deep.equal([])
      for (const c of range) expect(c.field, c.name).to.equal(c.name.slice('range:'.length))
      // every checked OUT field of the tracked state has a case
      const checked = spec.shared.fields.filter(f => !f.unchecked && !(typeof f.type !== 'string' && spec.structs.find(s => s.name === (f.type as { struct: string }).struct)?.opaque))
      for (const f of checked) expect(range.some(c => c.field === f.name || c.field.startsWith(`${f.name}.`)), f.name).to.equal(true)
    })

    it('kernel side: refuses malformed and out-of-range downcalls', function () {
      expect(failing(c => c.name.startsWith('dc:'))).to.deep.equal([])
      expect(cases.filter(c => c.name.startsWith('dc:')).length).to.be.at.least(2 + 2 * spec.downcalls.length)
    })

    it('user side: accepts every valid upcall and refuses truncated, oversized, random, unknown and out-of-range ones', function () {
      const u = cases.filter(c => c.name.startsWith('u:'))
      expect(u.filter(c => c.name.startsWith('u:valid:')).length).to.equal(spec.upcalls.length)
      expect(failing(c => c.name.startsWith('u:'))).to.deep.equal([])
    })
  })
})
