// Just enough of ELF64 (little-endian) to read what the image builder needs: a binary's
// DT_NEEDED libraries, and a kernel module's .modinfo (name, depends, vermagic).

export interface ElfSection { name: string; type: number; offset: number; size: number; link: number }

const SHT_DYNAMIC = 6
const DT_NEEDED = 1

export function isElf(buf: Buffer): boolean {
  return buf.length >= 64 && buf.readUInt32BE(0) === 0x7f454c46
}

export function sections(buf: Buffer): ElfSection[] {
  if (!isElf(buf)) throw new Error('not an ELF file')
  if (buf[4] !== 2 || buf[5] !== 1) throw new Error('only 64-bit little-endian ELF is supported')
  const shoff = Number(buf.readBigUInt64LE(0x28))
  const shentsize = buf.readUInt16LE(0x3a)
  const shnum = buf.readUInt16LE(0x3c)
  const shstrndx = buf.readUInt16LE(0x3e)
  if (shoff === 0 || shnum === 0) return []
  if (shoff + shnum * shentsize > buf.length) throw new Error('ELF section table lies past the end of the file')
  const raw = Array.from({ length: shnum }, (_, i) => {
    const o = shoff + i * shentsize
    return {
      nameOff: buf.readUInt32LE(o),
      type: buf.readUInt32LE(o + 4),
      offset: Number(buf.readBigUInt64LE(o + 0x18)),
      size: Number(buf.readBigUInt64LE(o + 0x20)),
      link: buf.readUInt32LE(o + 0x28),
    }
  })
  const strtab = raw[shstrndx]
  return raw.map(s => ({ name: strtab ? cstr(buf, strtab.offset + s.nameOff) : '', type: s.type, offset: s.offset, size: s.size, link: s.link }))
}

function cstr(buf: Buffer, at: number): string {
  const end = buf.indexOf(0, at)
  return buf.toString('utf8', at, end < 0 ? buf.length : end)
}

/** The sonames a dynamically linked ELF asks for (empty for a static binary). */
export function neededLibraries(buf: Buffer): string[] {
  const secs = sections(buf)
  const dyn = secs.find(s => s.type === SHT_DYNAMIC)
  if (!dyn) return []
  const strtab = secs[dyn.link]
  if (!strtab) throw new Error('ELF .dynamic has no string table')
  const out: string[] = []
  for (let o = dyn.offset; o + 16 <= dyn.offset + dyn.size; o += 16) {
    const tag = buf.readBigInt64LE(o)
    if (tag === 0n) break
    if (tag === BigInt(DT_NEEDED)) out.push(cstr(buf, strtab.offset + Number(buf.readBigUInt64LE(o + 8))))
  }
  return out
}

/** A kernel module's .modinfo as key → values (a key such as alias may repeat). */
export function modinfo(buf: Buffer): Map<string, string[]> {
  const sec = sections(buf).find(s => s.name === '.modinfo')
  if (!sec) throw new Error('no .modinfo section: not a kernel module')
  const info = new Map<string, string[]>()
  for (const entry of buf.toString('utf8', sec.offset, sec.offset + sec.size).split('\0')) {
    const eq = entry.indexOf('=')
    if (eq <= 0) continue
    const k = entry.slice(0, eq)
    info.set(k, [...(info.get(k) ?? []), entry.slice(eq + 1)])
  }
  return info
}

export function moduleDepends(buf: Buffer): string[] {
  return (modinfo(buf).get('depends') ?? []).flatMap(d => d.split(',')).filter(Boolean)
}
