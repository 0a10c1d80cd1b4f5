// Writes an uncompressed cpio "newc" archive, the format the kernel unpacks as an initramfs
// (Documentation/driver-api/early-userspace/buffer-format.rst). Output is deterministic: entries
// are sorted, parents come first, mtimes and owners are zero, so equal inputs give equal bytes.

export type CpioEntry =
  | { type: 'file'; path: string; data: Buffer; mode?: number }
  | { type: 'dir'; path: string; mode?: number }
  | { type: 'symlink'; path: string; target: string }
  | { type: 'chardev'; path: string; major: number; minor: number; mode?: number }

const S_IFDIR = 0o040000, S_IFREG = 0o100000, S_IFLNK = 0o120000, S_IFCHR = 0o020000

function normalize(p: string): string {
  const parts = p.split('/').filter(s => s !== '' && s !== '.')
  if (parts.includes('..')) throw new Error(`cpio: path must not contain "..": ${p}`)
  if (parts.length === 0) throw new Error('cpio: empty path')
  return parts.join('/')
}

const hex8 = (n: number) => {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new Error(`cpio: field out of range: ${n}`)
  return n.toString(16).padStart(8, '0')
}
const pad4 = (n: number) => (4 - (n % 4)) % 4

function header(ino: number, mode: number, nlink: number, size: number, name: string, rmaj = 0, rmin = 0): Buffer {
  const nameBytes = Buffer.byteLength(name) + 1
  const fields = [ino, mode, 0, 0, nlink, 0, size, 0, 0, rmaj, rmin, nameBytes, 0]
  const h = Buffer.from('070701' + fields.map(hex8).join(''), 'ascii')
  return Buffer.concat([h, Buffer.from(name + '\0'), Buffer.alloc(pad4(h.length + nameBytes))])
}

/**
 * Builds the archive. Missing parent directories are added (mode 0755); a path given twice is an
 * error, so one input can never silently shadow another.
 */
export function buildCpio(entries: CpioEntry[]): Buffer {
  const byPath = new Map<string, CpioEntry>()
  for (const e of entries) {
    const path = normalize(e.path)
    if (byPath.has(path)) throw new Error(`cpio: ${path} is given twice`)
    byPath.set(path, { ...e, path })
  }
  for (const path of [...byPath.keys()]) {
    const parts = path.split('/')
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/')
      const existing = byPath.get(dir)
      if (!existing) byPath.set(dir, { type: 'dir', path: dir })
      else if (existing.type !== 'dir') throw new Error(`cpio: ${dir} is both a ${existing.type} and a parent of ${path}`)
    }
  }
  const chunks: Buffer[] = []
  let ino = 1
  for (const path of [...byPath.keys()].sort()) {
    const e = byPath.get(path)!
    switch (e.type) {
      case 'dir':
        chunks.push(header(ino++, S_IFDIR | (e.mode ?? 0o755), 2, 0, path))
        break
      case 'file':
        chunks.push(header(ino++, S_IFREG | (e.mode ?? 0o644), 1, e.data.length, path), e.data, Buffer.alloc(pad4(e.data.length)))
        break
      case 'symlink': {
        const t = Buffer.from(e.target)
        chunks.push(header(ino++, S_IFLNK | 0o777, 1, t.length, path), t, Buffer.alloc(pad4(t.length)))
        break
      }
      case 'chardev':
        chunks.push(header(ino++, S_IFCHR | (e.mode ?? 0o600), 1, 0, path, e.major, e.minor))
        break
    }
  }
  chunks.push(header(0, 0, 1, 0, 'TRAILER!!!'))
  const out = Buffer.concat(chunks)
  return Buffer.concat([out, Buffer.alloc(pad4(out.length))])
}
