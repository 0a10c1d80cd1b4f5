// The initramfs writer, checked with an independent reader: GNU cpio.
import { expect } from 'chai'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync, lstatSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildCpio } from '../orchestrator/image/cpio.ts'

describe('cpio newc writer', () => {
  let dir: string
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'microbed-cpio-')) })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  const sample = () => buildCpio([
    { type: 'file', path: 'init', data: Buffer.from('#!/bin/sh\necho hi\n'), mode: 0o755 },
    { type: 'file', path: 'usr/lib/x86_64-linux-gnu/libodd.so', data: Buffer.alloc(4097, 0xab) },
    { type: 'file', path: 'etc/empty', data: Buffer.alloc(0) },
    { type: 'symlink', path: 'bin', target: 'usr/bin' },
    { type: 'symlink', path: 'usr/bin/sh', target: '/bin/busybox' },
    { type: 'chardev', path: 'dev/console', major: 5, minor: 1 },
    { type: 'dir', path: 'tmp', mode: 0o1777 },
  ])

  it('writes an archive GNU cpio lists with every entry, parents first', () => {
    const file = join(dir, 'a.cpio')
    writeFileSync(file, sample())
    const list = execFileSync('cpio', ['-t', '--quiet', '-F', file], { encoding: 'utf8' }).trim().split('\n')
    expect(list).to.include.members(['init', 'usr', 'usr/lib', 'usr/lib/x86_64-linux-gnu', 'usr/lib/x86_64-linux-gnu/libodd.so', 'etc/empty', 'bin', 'usr/bin/sh', 'dev/console', 'tmp'])
    expect(list.indexOf('usr')).to.be.lessThan(list.indexOf('usr/lib/x86_64-linux-gnu/libodd.so'))
    const verbose = execFileSync('cpio', ['-tv', '--quiet', '-F', file], { encoding: 'utf8' })
    expect(verbose).to.match(/^crw-------.*5,\s*1 .*dev\/console$/m)
    expect(verbose).to.match(/^drwxrwxrwt.* tmp$/m)
  })

  it('round-trips contents, modes and symlinks through cpio -i', () => {
    const file = join(dir, 'a.cpio')
    writeFileSync(file, sample())
    const out = join(dir, 'x')
    execFileSync('sh', ['-c', `mkdir -p ${out} && cd ${out} && cpio -i --quiet --make-directories --no-absolute-filenames --nonmatching 'dev/*' < ${file}`])
    expect(readFileSync(join(out, 'init'), 'utf8')).to.equal('#!/bin/sh\necho hi\n')
    expect(statSync(join(out, 'init')).mode & 0o777).to.equal(0o755)
    expect(readFileSync(join(out, 'usr/lib/x86_64-linux-gnu/libodd.so')).equals(Buffer.alloc(4097, 0xab))).to.equal(true)
    expect(statSync(join(out, 'etc/empty')).size).to.equal(0)
    expect(lstatSync(join(out, 'bin')).isSymbolicLink()).to.equal(true)
    expect(readlinkSync(join(out, 'usr/bin/sh'))).to.equal('/bin/busybox')
  })

  it('is deterministic: the same entries in any order give the same bytes', () => {
    const a = buildCpio([{ type: 'file', path: 'a', data: Buffer.from('1') }, { type: 'file', path: 'b/c', data: Buffer.from('2') }])
    const b = buildCpio([{ type: 'file', path: 'b/c', data: Buffer.from('2') }, { type: 'file', path: 'a', data: Buffer.from('1') }])
    expect(a.equals(b)).to.equal(true)
    expect(a.length % 4).to.equal(0)
  })

  it('refuses a path given twice, a file used as a directory, and ".."', () => {
    expect(() => buildCpio([{ type: 'file', path: 'a', data: Buffer.from('') }, { type: 'file', path: '/a', data: Buffer.from('') }])).to.throw(/given twice/)
    expect(() => buildCpio([{ type: 'file', path: 'a', data: Buffer.from('') }, { type: 'file', path: 'a/b', data: Buffer.from('') }])).to.throw(/both a file and a parent/)
    expect(() => buildCpio([{ type: 'file', path: '../etc/passwd', data: Buffer.from('') }])).to.throw(/\.\./)
  })
})
