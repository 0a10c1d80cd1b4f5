// The interface spec of a split driver (DriverSlicer's input): its upcalls, downcalls and the
// shared object the object tracker copies across, each field with its direction and the checks
// the kernel applies to what comes back from user space. generate.ts turns one spec into the C
// of both sides; nothing here knows about files or C syntax beyond type names and constants.

/** Fixed-width wire types. `char` is only used in arrays (strings). */
export type Scalar = 'u8' | 'u16' | 'u32' | 'u64' | 'char'

/** A field type: a scalar or a struct the spec declares in `structs`. */
export type FieldType = Scalar | { struct: string }

/** A C constant or a literal; constants come from the driver's hand-written headers. */
export type Const = number | string

/**
 * What the kernel checks before it believes a value from user space. At most one of range,
 * oneOf, mask, validMac, sum16, cstring applies to a field; `unchecked` says why none does.
 */
export interface Checks {
  /** inclusive bounds */
  range?: [Const, Const]
  /** and a multiple of this (e.g. descriptors per ring: what the hardware silently rounds to);
   *  combines with range, and needs one */
  multipleOf?: Const
  /** the value is one of these */
  oneOf?: Const[]
  /** no bit outside this mask (a C expression of constants, e.g. 'E1000_RX_PROMISC|E1000_RX_ALLMULTI') */
  mask?: string
  /** a 6-byte station address: not multicast, not all zero */
  validMac?: boolean
  /** an array of u16 that sums (mod 2^16) to this constant */
  sum16?: Const
  /** a char array holding a NUL-terminated string */
  cstring?: boolean
  /** why any value is acceptable (documentation, required when no other check is given) */
  unchecked?: string
}

export interface FieldSpec extends Checks {
  name: string
  type: FieldType
  /** array dimensions, outermost first */
  dims?: Const[]
  doc?: string
}

/** A struct the spec mirrors from a hand-written header; the generator asserts its layout. */
export interface StructSpec {
  /** C name without `struct` */
  name: string
  /** its fields (their checks apply wherever the struct is a result or a tracked field) */
  fields?: FieldSpec[]
  /** or: a block the kernel takes without checks, of this size and alignment */
  opaque?: { size: number; align: number; why: string }
}

/** Direction of a tracked field. IN: kernel to user at every upcall; OUT: user to kernel at
 *  every return, after the checks; OUT_INIT: user to kernel only from the init upcall. */
export type Direction = 'IN' | 'OUT' | 'OUT_INIT'

export interface TrackedField extends FieldSpec {
  dir: Direction[]
}

/** The shared object: one copy in the kernel, one in the u-driver. */
export interface SharedObject {
  /** C struct name, defined by hand in the control path's header */
  struct: string
  /** its size in bytes (asserted) */
  size: number
  fields: TrackedField[]
}

/**
 * An argument (kernel to u-driver) or a result (u-driver to kernel) of an upcall. Arguments are
 * listed in the order of the control operation's C parameters. An array argument bounded by
 * another argument names it in `countBy`: the kernel copies that many entries when the count is
 * within the array, none otherwise, and passes the count on unchanged (`overflow` says what the
 * control path makes of a larger one).
 */
export interface ParamSpec extends FieldSpec {
  countBy?: string
  overflow?: string
}

/**
 * The result of an upcall.
 *  - out: result fields copied to the caller's pointers after the checks;
 *  - count: the control path returns a count (0..max) that the operation returns;
 *  - table: the caller asks for n entries (clamped to max); the control path fills the table and
 *    returns how many it filled; the reply carries exactly that many, never more than asked.
 */
export type ResultSpec =
  | { kind: 'out'; fields: ParamSpec[] }
  | { kind: 'count'; max: Const }
  | { kind: 'table'; elem: FieldSpec; max: Const }

export interface UpcallSpec {
  /** the control operation (struct mb_ctl_ops member); the op constant is its upper case */
  name: string
  /** wire op number */
  op: number
  doc: string
  /** the portable control-path entry point that serves it (first parameter: the hw state) */
  impl: string
  args?: ParamSpec[]
  result?: ResultSpec
  /** the reply status: 'errno' is 0 or -errno; 'errno-or-bool' also allows 1 */
  status?: 'errno' | 'errno-or-bool'
  /** the errnos (names, e.g. 'EIO') this operation's reply may carry, if not the driver's `errnos` */
  errnos?: string[]
  /** the u-driver starts from a fresh control-path state and ignores the kernel's copy; the
   *  OUT_INIT fields are taken from its reply */
  init?: boolean
  /** not reachable from the ctl table (the runtime issues it itself, e.g. after a restart) */
  internal?: boolean
  /** the control-path entry point takes no hw state (a constant of the control path) */
  stateless?: boolean
}

export interface DowncallSpec {
  name: string
  /** C constant of its op number, and its value */
  constName: string
  op: Const
  doc: string
  fields: FieldSpec[]
}

/** A control operation served in the kernel by hand in every variant (lifecycle; the generator
 *  holds the list, the same for every driver). */
export interface LifecycleSpec {
  name: string
  /** C declaration of the ops member, with `(*NAME)` for the name */
  decl: string
  /** which variants implement it (the member stays NULL in the others) */
  variants: ('direct' | 'upcall')[]
  doc?: string
}

/**
 * An ethtool hook that only marshals: a forward to a control operation (`op`, with `args` as the
 * C arguments after the adapter) or a read of a tracked field of the kernel's copy (`field`).
 * The control path answers in ethtool's own terms, so the kernel side only copies:
 *  - an argument `modes:EXPR` passes an ethtool link-mode bitmap as a u64 of its first 64 bits;
 *  - `out` names, for each result field of the operation, where it goes after success: a C
 *    lvalue, or `modes:LVALUE` (a u64 of link-mode bits into an ethtool bitmap).
 */
export interface EthtoolForward {
  /** struct ethtool_ops member */
  hook: string
  /** the hook's C parameters after the net_device */
  params: string[]
  ret: 'int' | 'void' | 'u32'
  op?: string
  args?: string[]
  out?: Record<string, string>
  field?: string
  /** after success on a running interface, check the link soon: the operation renegotiates it */
  relink?: boolean
}

/**
 * The k-driver's names the generated kernel code uses. Its adapter struct has `st` (the kernel's
 * copy of the tracked state), `ctl_priv` (the variant's private state), `ctl_lock` and `pdev`; its
 * header defines the `mb_ctl(a, op, ...)` call and includes gen/ctl.h; its split header defines
 * `struct mb_split` (with `inst`, `st`, `scratch`, `req`, `rep`) and `split_of(a)`.
 */
export interface KernelNames {
  /** the per-NIC struct, without `struct` */
  adapter: string
  /** the k-driver's header (in kmod/<driver>/), included by every generated kernel file */
  header: string
  /** its split variant's header */
  splitHeader: string
  /** the function an ethtool operation that renegotiates the link calls after success */
  relink: string
}

export interface DriverSpec {
  /** lower case driver name, e.g. e1000 */
  driver: string
  /** the spec file, for the banner */
  specFile: string
  /** header of the portable control path (struct of the shared object, entry points) */
  hwHeader: string
  /** control-path private state type and its setup function (fresh state) */
  hwStruct: string
  hwSetup: string
  /** first driver op number (MB_OP_DRIVER_BASE) */
  opBase: number
  /** the errnos (names, e.g. 'EIO') a reply may carry: the control path's vocabulary. Anything
   *  else (a kernel-internal code such as ERESTARTSYS or EPROBE_DEFER, an unknown number) is
   *  refused before it could reach an ndo or ethtool caller. */
  errnos: string[]
  /** numeric values of the C constants used in array dimensions (asserted at compile time) */
  constants: Record<string, number>
  structs: StructSpec[]
  shared: SharedObject
  upcalls: UpcallSpec[]
  downcalls: DowncallSpec[]
  /** the k-driver's names the generated kernel code uses */
  kernel: KernelNames
  /** the upcall the runtime issues regularly (e.g. a watchdog): what a fault hits by default */
  periodic: string
  /** the driver's range faults (fault injection's range.SUB): each corrupts a tracked field in
   *  the driver's own way (udriver/<driver>/..._udrv.c, kmod/<driver>/fault_direct.c) */
  rangeFaults: string[]
  ethtool: EthtoolForward[]
  /** [control-path constant, kernel constant] pairs that must be equal (asserted in the kernel's
   *  ethtool glue): the numbering the control path answers ethtool in */
  ethtoolConstants: [string, string][]
}
