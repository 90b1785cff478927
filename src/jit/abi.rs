//! The kernel ABI: the function types of compiled stages, and the one place
//! numjet calls into machine code. Every `unsafe` block that runs, links
//! or frees compiled code is in this file, and so is the whole argument for
//! why that is sound.
//!
//! ## The functions
//!
//! Each stage is one `extern "C"` function (the *element function*):
//!
//! ```text
//! fn(inputs: *const *const u8,  // one pointer per array leaf: array inputs
//!                               // (position = parameter position), then
//!                               // axis reductions; null where unused
//!    out: *mut u8,              // element `start` of the output
//!    scalars: *const u64,       // one 8-byte slot per 0-d input (slot = its
//!                               // position) and per full reduction (after them)
//!    start: usize, len: usize,  // computes elements start..start+len
//!    status: *mut u32)          // 0, or 1 + the smallest failing node id
//! ```
//!
//! A stage with a fused reduction also has a *leaf function*: the same
//! parameters and a seventh, `sizes: *const u32`; `start` is 0 and `len`
//! counts leaves; it reduces each of the `len` consecutive leaves of
//! `sizes[k]` elements to one value at `out[k]`.
//!
//! ## Why calling them is sound
//!
//! 1. **What the code touches.** A compiled stage reads
//!    `inputs[k][start..start + n]` for exactly the array leaves `k` the
//!    stage evaluates (as elements of the leaf node's dtype; `n` is `len`,
//!    or the sum of `sizes` for a leaf function), the scalar slots of the
//!    0-d inputs and reductions it evaluates, and `sizes[0..len]`; it
//!    writes `out[0..len]` (elements of the stage root's dtype; for a leaf
//!    function one per leaf, of the reduction's dtype) and `*status`. It
//!    stores only 0 or 1 into a bool output, so a `&mut [bool]` stays
//!    valid (bools are 0/1 bytes in registers, inverted with `xor 1`, and
//!    lane masks are stored `& 1`). It calls only the pure Rust helpers of
//!    `helpers.rs`, keeps its state in registers and on its own stack, and
//!    never traps (divisions guard their divisors, casts saturate). This
//!    rests on the program's invariants, which
//!    [`Program::new`](crate::ir::Program::new) verified, and on the code
//!    generator, which checks the Cranelift type of every value it lowers
//!    against its node's dtype.
//! 2. **What a call provides.** [`Entries::call`] and
//!    [`Entries::call_leaves`] are safe: they take borrowed slices, not
//!    pointers, and check before every call that each leaf the stage reads
//!    is present with the leaf's dtype and at least `start + n` elements,
//!    that `out` has the root's dtype and the right length, and that the
//!    scalar buffer has every slot. Anything else is reported as an
//!    internal failure and the code is not called. The pointer array is
//!    built from those slices, so every pointer the code dereferences
//!    points into memory borrowed for the duration of the call.
//! 3. **The function pointers.** [`link`] takes each entry from the
//!    finalised module of functions declared with exactly these signatures
//!    and the target's C calling convention, so the transmutes to
//!    [`KernelFn`] and [`SumsFn`] are the functions' real types.
//! 4. **Lifetime of the code.** The machine code lives in a [`Code`], the
//!    last field of [`Entries`]: it is freed only when the entries are
//!    dropped, which needs exclusive access, so no call can be running.
//!    Sharing entries between threads is sound because finalised code is
//!    immutable and reentrant (see the `Sync` impl of [`Code`]).

use cranelift_jit::JITModule;
use cranelift_module::FuncId;

use crate::array::{ArrayData, ArrayMut, ArrayRef};
use crate::dtype::{DType, Scalar};

/// A stage's element function (see the module docs).
type KernelFn = unsafe extern "C" fn(*const *const u8, *mut u8, *const u64, usize, usize, *mut u32);

/// A stage's leaf function: the element function's parameters, with `len`
/// counting leaves, and the leaf sizes.
type SumsFn = unsafe extern "C" fn(*const *const u8, *mut u8, *const u64, usize, usize, *mut u32, *const u32);

/// The status of a call that could not be made, or found a bug: a failure
/// of no node of the program.
pub(crate) const NO_NODE: u32 = u32::MAX - 1;

/// A stage that failed: the smallest failing node id (or an id past the
/// program's nodes for an internal failure), and the message of a
/// failure that is not a node's own (`None`: the node's, which the kernel
/// knows).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Failed {
    pub node: u32,
    pub internal: Option<&'static str>,
}

impl Failed {
    fn internal(msg: &'static str) -> Failed {
        Failed { node: NO_NODE, internal: Some(msg) }
    }
}

/// What the ABI checks of a stage's operands before a call.
#[derive(Clone, Debug)]
pub(crate) struct StageAbi {
    /// The input-pointer positions the stage reads, with their dtypes.
    pub leaves: Vec<(usize, DType)>,
    /// The dtype of the stage's root (the element function's output).
    pub root: DType,
    /// The dtype of the leaf function's output: the reduction's.
    pub leaf_out: DType,
}

/// The compiled entries of every stage, and the code they live in.
pub(crate) struct Entries {
    stages: Vec<(StageAbi, Option<KernelFn>, Option<SumsFn>)>,
    nslots: usize,
    nptrs: usize,
    // Last: dropped after everything that points into it.
    _code: Code,
}

/// Owns the JIT module: the machine code lives until this is dropped.
pub(crate) struct Code(Option<JITModule>);

impl Code {
    /// Frees a module whose code will never be called (a failed compile).
    pub(crate) fn discard(module: JITModule) {
        drop(Code(Some(module)));
    }
}

impl Drop for Code {
    fn drop(&mut self) {
        if let Some(m) = self.0.take() {
            // SAFETY: a `Code` is dropped only with the `Entries` owning it
            // (or, from `discard`, with no entry ever taken from it), and
            // every call of an entry borrows those `Entries`, so no function
            // of the module is running or can be called afterwards.
            unsafe { m.free_memory() };
        }
    }
}

// `JITModule` is `Send` (moving it, or freeing it on another thread, is
// fine) but not `Sync`, because of a `RefCell` symbol cache.
const _: () = {
    fn assert_send<T: Send>() {}
    let _ = assert_send::<JITModule>;
};

// SAFETY: `&Code` gives no access to the module: after
// `finalize_definitions` no method of it is called again (in particular the
// `RefCell` cache, only used while compiling, is never touched), and it is
// only freed in `Drop`, which has exclusive access. What threads share is
// the finalised machine code, which is immutable (mapped read+execute) and
// reentrant: kernels keep their state in registers and on their stack,
// write only to the buffers their caller passes, and call only pure Rust
// helper functions.
unsafe impl Sync for Code {}

/// Finalises `module` and takes the entries of every stage: `ids[i]` are
/// the element and leaf functions of stage `i`, declared with the
/// signatures of the module docs; `abi[i]` what the stage reads.
pub(crate) fn link(
    mut module: JITModule,
    ids: &[(Option<FuncId>, Option<FuncId>)],
    abi: Vec<StageAbi>,
    nslots: usize,
    nptrs: usize,
) -> Result<Entries, String> {
    if let Err(e) = module.finalize_definitions() {
        Code::discard(module);
        return Err(e.to_string());
    }
    let stages = ids
        .iter()
        .zip(abi)
        .map(|(&(elements, leaves), abi)| {
            let elements = elements.map(|id| {
                let f = module.get_finalized_function(id);
                // SAFETY: `f` is the entry of a function declared with six
                // pointer-sized parameters, no results and the target's
                // default (C) calling convention, which is `KernelFn`.
                unsafe { std::mem::transmute::<*const u8, KernelFn>(f) }
            });
            let leaves = leaves.map(|id| {
                let f = module.get_finalized_function(id);
                // SAFETY: as above, with seven parameters: `SumsFn`.
                unsafe { std::mem::transmute::<*const u8, SumsFn>(f) }
            });
            (abi, elements, leaves)
        })
        .collect();
    Ok(Entries { stages, nslots, nptrs, _code: Code(Some(module)) })
}

/// The bits of a 0-d value in a scalar-buffer slot: the value's own bytes at
/// the start of the slot, as the kernel loads it.
pub(crate) fn slot_bits(s: Scalar) -> u64 {
    let mut b = [0u8; 8];
    let n = s.dtype().size().min(8);
    b[..n].copy_from_slice(&s.bits().to_le_bytes()[..n]);
    u64::from_ne_bytes(b)
}

/// The pointer array for a call reading `n` elements from `start` of
/// every leaf `abi` lists, after checking them; handed to `f`, which makes
/// the call. The array lives on the stack for up to 16 leaves (this runs
/// once per block).
fn with_pointers<R>(
    abi: &StageAbi,
    nptrs: usize,
    leaves: &[Option<ArrayRef<'_>>],
    start: usize,
    n: usize,
    f: impl FnOnce(&[*const u8]) -> R,
) -> Result<R, Failed> {
    if leaves.len() != nptrs {
        return Err(Failed::internal("internal error: wrong number of kernel operands"));
    }
    let mut small = [std::ptr::null::<u8>(); 16];
    let mut heap = Vec::new();
    let ptrs: &mut [*const u8] = if nptrs <= small.len() {
        &mut small[..nptrs]
    } else {
        heap.resize(nptrs, std::ptr::null());
        &mut heap
    };
    let need = start.checked_add(n).ok_or(Failed::internal("internal error: kernel range overflows"))?;
    for &(slot, dtype) in &abi.leaves {
        match leaves[slot] {
            Some(a) if a.dtype() == dtype && a.len() >= need => ptrs[slot] = a.as_ptr(),
            _ => return Err(Failed::internal("internal error: a kernel operand is missing or too short")),
        }
    }
    Ok(f(ptrs))
}

fn decode(status: u32) -> Result<(), Failed> {
    match status {
        0 => Ok(()),
        s => Err(Failed { node: s - 1, internal: None }),
    }
}

impl Entries {
    /// Computes elements `start..start + out.len()` of stage `stage` into
    /// `out`, reading the same elements of every leaf the stage reads
    /// (`leaves`, by input-pointer position) and the slots of `scalars`.
    ///
    /// Errors: the smallest failing node; or, as an internal failure, a
    /// stage without an element function or operands that do not fit the
    /// stage (the code is then not called).
    pub(crate) fn call(
        &self,
        stage: usize,
        leaves: &[Option<ArrayRef<'_>>],
        mut out: ArrayMut<'_>,
        scalars: &[u64],
        start: usize,
    ) -> Result<(), Failed> {
        let Some((abi, Some(f), _)) = self.stages.get(stage) else {
            return Err(Failed::internal("internal error: no element function for this stage"));
        };
        if out.dtype() != abi.root || scalars.len() != self.nslots {
            return Err(Failed::internal("internal error: kernel output or scalars do not fit the stage"));
        }
        let n = out.len();
        let out = out.as_mut_ptr();
        let mut status = 0u32;
        with_pointers(abi, self.nptrs, leaves, start, n, |ptrs| {
            // SAFETY: the module docs' point 2: `with_pointers` checked that
            // every leaf the stage reads has its dtype and `start + n`
            // elements, `out` holds `n` elements of the root's dtype, and
            // `scalars` has every slot; all borrowed for this call. The
            // code reads and writes nothing else (point 1).
            unsafe { f(ptrs.as_ptr(), out, scalars.as_ptr(), start, n, &mut status) }
        })?;
        decode(status)
    }

    /// Reduces consecutive leaves of `sizes` elements, from element 0 of
    /// every leaf the stage reads, to one element of `out` each, of the
    /// reduction's dtype (the stage's fused reduction; see
    /// `codegen::Form::Leaves`).
    ///
    /// Errors: as [`Entries::call`].
    pub(crate) fn call_leaves(
        &self,
        stage: usize,
        leaves: &[Option<ArrayRef<'_>>],
        mut out: ArrayMut<'_>,
        scalars: &[u64],
        sizes: &[u32],
    ) -> Result<(), Failed> {
        let Some((abi, _, Some(f))) = self.stages.get(stage) else {
            return Err(Failed::internal("internal error: no leaf function for this stage"));
        };
        if out.dtype() != abi.leaf_out || out.len() != sizes.len() || scalars.len() != self.nslots {
            return Err(Failed::internal("internal error: kernel output or scalars do not fit the stage"));
        }
        let n = sizes
            .iter()
            .try_fold(0usize, |n, &s| n.checked_add(s as usize))
            .ok_or(Failed::internal("internal error: leaf sizes overflow"))?;
        let out = out.as_mut_ptr();
        let mut status = 0u32;
        with_pointers(abi, self.nptrs, leaves, 0, n, |ptrs| {
            // SAFETY: as in `call`, with `n` the sum of `sizes`, and `out`
            // holding one element of the reduction's dtype per leaf.
            unsafe { f(ptrs.as_ptr(), out, scalars.as_ptr(), 0, sizes.len(), &mut status, sizes.as_ptr()) }
        })?;
        decode(status)
    }

    /// Runs stage `stage` over no elements, through its element function
    /// or else its leaf function: only its 0-d nodes compute, for their
    /// errors (an empty array does not excuse `int8(2) ** k` with `k = -1`,
    /// in NumPy or in the interpreter).
    ///
    /// Errors: as [`Entries::call`].
    pub(crate) fn call_empty(&self, stage: usize, leaves: &[Option<ArrayRef<'_>>], scalars: &[u64]) -> Result<(), Failed> {
        let Some((abi, f, g)) = self.stages.get(stage) else {
            return Err(Failed::internal("internal error: no such stage"));
        };
        let oom = || Failed::internal("out of memory for an empty buffer");
        if f.is_some() {
            let mut none = ArrayData::try_zeros(abi.root, 0).map_err(|_| oom())?;
            self.call(stage, leaves, none.as_mut(), scalars, 0)
        } else if g.is_some() {
            let mut none = ArrayData::try_zeros(abi.leaf_out, 0).map_err(|_| oom())?;
            self.call_leaves(stage, leaves, none.as_mut(), scalars, &[])
        } else {
            Ok(())
        }
    }

    /// Whether stage `stage` has a leaf function (a fused reduction).
    pub(crate) fn has_leaves(&self, stage: usize) -> bool {
        self.stages.get(stage).is_some_and(|s| s.2.is_some())
    }

    /// Number of stages.
    pub(crate) fn len(&self) -> usize {
        self.stages.len()
    }
}
