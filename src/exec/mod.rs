//! Stage 4: execution — running a compiled program over N-d, strided and
//! broadcast arrays, in blocks, on several threads.
//!
//! ## Iteration
//!
//! Every stage of a JIT kernel (see [`crate::jit`]) computes its root over
//! the root's shape, in C order. Its array leaves (inputs, and axis
//! reductions computed by earlier stages) are [`shape::Operand`]s: seen
//! through that shape, with 0 strides where they broadcast. The iteration
//! space is cut into blocks of at most [`Threads::chunk`] elements; for each
//! block the kernel gets, per leaf, either a pointer into the leaf's own
//! memory (the leaf is C-contiguous over the iteration shape: the fast path,
//! no copy) or a pointer to a block-sized buffer the leaf's elements were
//! gathered into (strided and broadcast leaves). So no evaluation copies a
//! whole array: scratch memory is at most one block per leaf per thread.
//!
//! ## Threads
//!
//! The result is split into one contiguous part per thread (each part a run
//! of blocks, writing its own slice of the output). Reductions run in
//! parallel in a fixed order ([`reduce`]): the same input gives the same
//! bits whatever the thread count or block size. Work under
//! [`Threads::serial_below`] elements stays on the calling thread. Every
//! engine has its own rayon pool, so numjet does not compete with a host
//! application's global pool.
//!
//! ## Errors
//!
//! A kernel records the smallest failing node of its block; an evaluation
//! reports the smallest over all blocks and stages, which is the node the
//! interpreter (node after node over whole arrays) fails at.

mod alloc;
pub mod reduce;
pub mod shape;

pub use shape::{broadcast, shapes};

use std::sync::{Arc, Mutex, OnceLock};

use rayon::prelude::*;

use crate::array::{ArrayData, ArrayMut, Input, c_strides};
use crate::dtype::Scalar;
use crate::error::Error;
use crate::ir::{NodeOp, Shape};
use crate::jit::{Failure, JitKernel, StageInfo};
use shape::{Operand, size};

/// Below this many elements an evaluation stays on the calling thread.
///
/// Measured with `numjet bench 'a + b*2' --n N --threads 1|2 --repeat 200`
/// on the project's 2-core machine: one thread takes ~2.1 µs at 4,096
/// elements, ~6.4 µs at 16,384 and ~14 µs at 32,768, while handing two
/// parts to the pool and joining them costs several microseconds (and much
/// more when the other core is busy). A memory-bound kernel earns that back
/// only above a few tens of thousands of elements. This is a first
/// measurement on a noisy shared machine, not a tuned value.
pub const DEFAULT_SERIAL_BELOW: usize = 32 * 1024;

/// Elements per block (one kernel call; one gather buffer per strided or
/// broadcast leaf). 4096 float64 elements are 32 KB per leaf, so a block's
/// gathered leaves and output stay in L2 between the gather and the
/// kernel; for contiguous leaves a block is a few microseconds of work
/// against tens of nanoseconds of per-call set-up. A reasoned default, not
/// a tuned one: a sweep from 256 to 1M elements (transposed and contiguous
/// `a + b*2`, `sum(a*b)`, 1 and 2 threads) was too noisy on the shared
/// machine to rank the sizes.
pub const DEFAULT_CHUNK: usize = 4096;

/// Threads, and a dedicated pool so numjet does not compete with the host
/// application's global rayon pool.
#[derive(Debug)]
pub struct Threads {
    count: usize,
    serial_below: usize,
    chunk: usize,
    pool: OnceLock<Option<Arc<rayon::ThreadPool>>>,
}

impl Threads {
    /// `count` threads (0 = the machine's cores); work under `serial_below`
    /// elements runs on the calling thread; blocks of `chunk` elements (at
    /// least 1).
    pub fn new(count: usize, serial_below: usize, chunk: usize) -> Threads {
        let count = if count == 0 { std::thread::available_parallelism().map_or(1, |n| n.get()) } else { count };
        Threads { count, serial_below, chunk: chunk.max(1), pool: OnceLock::new() }
    }

    pub fn count(&self) -> usize {
        self.count
    }

    /// Elements per block.
    pub fn chunk(&self) -> usize {
        self.chunk
    }

    /// Work under this many elements runs on the calling thread.
    pub fn serial_below(&self) -> usize {
        self.serial_below
    }

    fn pool(&self) -> Option<&Arc<rayon::ThreadPool>> {
        self.pool
            .get_or_init(|| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(self.count)
                    .thread_name(|i| format!("numjet-{i}"))
                    .build()
                    .ok()
                    .map(Arc::new)
            })
            .as_ref()
    }
}

/// One evaluation of a JIT kernel.
struct Run<'k, 'a> {
    k: &'k JitKernel,
    inputs: &'k [Input<'a>],
    shapes: &'k [Vec<usize>],
    chunk: usize,
    fail: Mutex<Failure>,
}

/// The leaves of one stage, by input-pointer position.
type Leaves<'d> = Vec<Option<Operand<'d>>>;

/// One stage's kernel over an iteration shape: what every call of it
/// needs besides the range.
struct On<'r, 'd> {
    /// The stage's index.
    si: usize,
    shape: &'r [usize],
    leaves: &'r Leaves<'d>,
    scalars: &'r [u64],
}

impl<'k, 'a> Run<'k, 'a> {
    /// The array leaves `stage` reads, seen through `shape`.
    fn leaves<'d>(&self, stage: &StageInfo, shape: &[usize], owned: &'d [Option<ArrayData>]) -> Leaves<'d>
    where
        'a: 'd,
        'k: 'd,
    {
        let p = self.k.program();
        let mut ops: Leaves<'d> = (0..self.k.nptrs()).map(|_| None).collect();
        if shape.is_empty() {
            return ops;
        }
        for &id in stage.nodes {
            let n = p.node(id);
            if n.shape() != Shape::Array {
                continue;
            }
            let Some(slot) = self.k.ptr_slot(id) else { continue };
            let op = match (n.op, owned.get(slot)) {
                (NodeOp::Input(k), _) => match self.inputs[k] {
                    Input::Array(a) => Operand::new(a, &[a.len()], &[1], 0, shape),
                    Input::View(v) => Operand::new(v.data(), v.shape(), &v.strides(), v.offset(), shape),
                    Input::Scalar(_) => continue,
                },
                (NodeOp::ReduceAxis(..), Some(Some(d))) => {
                    let own = &self.shapes[id.index()];
                    Operand::new(d.as_ref(), own, &c_strides(own), 0, shape)
                }
                _ => continue,
            };
            ops[slot] = Some(op);
        }
        ops
    }

    /// Computes elements `start..start + out.len()` of stage `si` (over
    /// `shape`) into `out`, block by block.
    fn fill(&self, on: &On<'_, '_>, start: usize, out: &mut ArrayMut<'_>) {
        let n = out.len();
        let mut done = 0;
        while done < n {
            let len = self.chunk.min(n - done);
            let mut block = sub(out, done, len);
            self.block(on, start + done, &mut block);
            done += len;
        }
    }

    /// One kernel call on elements `start..start + out.len()`.
    fn block(&self, on: &On<'_, '_>, start: usize, out: &mut ArrayMut<'_>) {
        let len = out.len();
        let out_ptr = crate::jit::mut_ptr(out);
        self.with_block(on, start, len, |ptrs| {
            // SAFETY: `ptrs` holds, for every array leaf the stage reads, a
            // pointer to `len` elements of the leaf's dtype (`with_block`);
            // `out` holds `len` writable elements of the root's dtype.
            // `scalars` has every slot, those of 0-d inputs and of earlier
            // reductions filled. The kernel reads `ptrs[k][0..len]` and
            // writes `out[0..len]` (start index 0).
            unsafe { self.k.call(on.si, ptrs, out_ptr, on.scalars, 0, len) }
        });
    }

    /// The leaf sums (see [`reduce::LeafSums`]) of the leaves of `sizes`
    /// from element `start` into `out` (one element per leaf): kernel calls
    /// on runs of whole leaves of at most `chunk` elements (or one leaf).
    fn sums(&self, on: &On<'_, '_>, start: usize, sizes: &[u32], out: &mut ArrayMut<'_>) {
        if out.len() != sizes.len() {
            self.record(u32::MAX - 1, "internal error: leaf sums of the wrong length");
            return;
        }
        let (mut k, mut at) = (0, start);
        while k < sizes.len() {
            let mut len = sizes[k] as usize;
            let mut e = k + 1;
            while e < sizes.len() && len + sizes[e] as usize <= self.chunk {
                len += sizes[e] as usize;
                e += 1;
            }
            let mut part = sub(out, k, e - k);
            let out_ptr = crate::jit::mut_ptr(&mut part);
            let run = &sizes[k..e];
            self.with_block(on, at, len, |ptrs| {
                // SAFETY: `ptrs` holds, for every array leaf the stage
                // reads, a pointer to `len` (the sum of `run`) elements of
                // the leaf's dtype (`with_block`); `part` holds `run.len()`
                // writable elements of the root's dtype; `scalars` as in
                // `block`.
                unsafe { self.k.call_sums(on.si, ptrs, out_ptr, on.scalars, run) }
            });
            k = e;
            at += len;
        }
    }

    /// Calls `call` with the pointer array for elements `start..start +
    /// len` of every leaf (`len` elements each, valid during the call) and
    /// records the status it returns.
    fn with_block(&self, on: &On<'_, '_>, start: usize, len: usize, call: impl FnOnce(&[*const u8]) -> u32) {
        if len == 0 {
            return;
        }
        let (shape, leaves) = (on.shape, on.leaves);
        // The pointer array lives on the stack for up to 16 leaves: this
        // runs once per block.
        let mut small = [std::ptr::null::<u8>(); 16];
        let mut heap = Vec::new();
        let ptrs: &mut [*const u8] = if leaves.len() <= small.len() {
            &mut small[..leaves.len()]
        } else {
            heap.resize(leaves.len(), std::ptr::null());
            &mut heap
        };
        let mut scratch = Vec::new();
        for (slot, leaf) in leaves.iter().enumerate() {
            let Some(leaf) = leaf else { continue };
            ptrs[slot] = if leaf.contiguous {
                leaf.block_ptr(start)
            } else {
                let mut d = ArrayData::zeros(leaf.data.dtype(), len);
                leaf.gather(shape, start, &mut d.as_mut());
                let p = const_ptr(&d);
                scratch.push(d);
                p
            };
        }
        // Every pointer is to `len` elements of its leaf's dtype: the
        // leaf's own memory from element `start` (contiguous over `shape`,
        // whose size is at least `start + len`) or a gathered buffer of
        // `len` elements, kept alive in `scratch` until after the call.
        let status = call(ptrs);
        drop(scratch);
        if status != 0
            && let Ok(mut f) = self.fail.lock()
        {
            self.k.record_status(status, &mut f);
        }
    }

    fn record(&self, id: u32, msg: &'static str) {
        if let Ok(mut f) = self.fail.lock() {
            f.record(id, msg);
        }
    }
}

/// `len` elements of `out` from `at`.
fn sub<'o>(out: &'o mut ArrayMut<'_>, at: usize, len: usize) -> ArrayMut<'o> {
    match out {
        ArrayMut::Bool(v) => ArrayMut::Bool(&mut v[at..at + len]),
        ArrayMut::Int32(v) => ArrayMut::Int32(&mut v[at..at + len]),
        ArrayMut::Int64(v) => ArrayMut::Int64(&mut v[at..at + len]),
        ArrayMut::Float32(v) => ArrayMut::Float32(&mut v[at..at + len]),
        ArrayMut::Float64(v) => ArrayMut::Float64(&mut v[at..at + len]),
    }
}

fn const_ptr(d: &ArrayData) -> *const u8 {
    crate::jit::ref_ptr(&d.as_ref())
}

/// Splits `out` into `parts` contiguous pieces, each with its start index.
fn split(out: ArrayMut<'_>, parts: usize) -> Vec<(usize, ArrayMut<'_>)> {
    macro_rules! go {
        ($v:expr, $variant:ident) => {{
            let n = $v.len();
            let per = n.div_ceil(parts.max(1)).max(1);
            $v.chunks_mut(per).enumerate().map(|(k, c)| (k * per, ArrayMut::$variant(c))).collect()
        }};
    }
    match out {
        ArrayMut::Bool(v) => go!(v, Bool),
        ArrayMut::Int32(v) => go!(v, Int32),
        ArrayMut::Int64(v) => go!(v, Int64),
        ArrayMut::Float32(v) => go!(v, Float32),
        ArrayMut::Float64(v) => go!(v, Float64),
    }
}

/// The scalar slots (0-d inputs, full reductions) and the arrays of axis
/// reductions: everything the result stage reads besides the inputs.
pub(crate) struct Prepared {
    pub scalars: Vec<u64>,
    owned: Vec<Option<ArrayData>>,
}

/// Runs every reduction stage of `k` (in node order) for these inputs,
/// whose node shapes are `shapes`. `threads`: `None` runs on the calling
/// thread.
fn reductions(run: &Run<'_, '_>, threads: Option<(&Threads, usize)>) -> Prepared {
    let k = run.k;
    let p = k.program();
    let mut scalars = vec![0u64; k.nslots()];
    for (i, x) in run.inputs.iter().enumerate() {
        if let Input::Scalar(s) = x {
            scalars[i] = crate::jit::slot_bits(*s);
        }
    }
    let mut owned: Vec<Option<ArrayData>> = (0..k.nptrs()).map(|_| None).collect();
    let stages = k.stages();
    for (si, stage) in stages.iter().enumerate() {
        let Some(rid) = stage.reduction else { continue };
        let node = p.node(rid);
        let root = p.node(stage.root);
        let shape = &run.shapes[stage.root.index()];
        let n = size(shape);
        let pool = threads.and_then(|(t, limit)| (limit.min(t.count) > 1 && n >= t.serial_below.max(2)).then(|| t.pool()).flatten());
        // The argument is computed in the order the reduction walks it
        // (NumPy's memory order; see `shape::reduction_walk`).
        let (perm, walk_axis) = shape::reduction_walk(p, run.inputs, run.shapes, rid);
        let wshape = shape::permute(shape, &perm);
        let leaves: Leaves = run.leaves(stage, shape, &owned).into_iter().map(|l| l.map(|o| o.permuted(&perm, shape))).collect();
        let on = On { si, shape: &wshape, leaves: &leaves, scalars: &scalars };
        let fill = |start: usize, buf: &mut ArrayMut<'_>| run.fill(&on, start, buf);
        let sums = |start: usize, sizes: &[u32], out: &mut ArrayMut<'_>| run.sums(&on, start, sizes, out);
        let src = reduce::Arg { fill: &fill, leaves: stage.sums.then_some(&sums as &reduce::LeafSums<'_>) };
        let go = |f: &(dyn Fn() -> Result<Result<Scalar, ArrayData>, &'static str> + Sync)| match pool {
            Some(pool) => pool.install(f),
            None => f(),
        };
        let r = match node.op {
            NodeOp::Reduce(r) => go(&|| reduce::full(r, node.dtype, root.dtype, n, src, pool.is_some()).map(Ok)),
            NodeOp::ReduceAxis(r, _) => {
                let axis = walk_axis.unwrap_or(0);
                go(&|| reduce::axis(r, node.dtype, root.dtype, &wshape, axis, src, pool.is_some()).map(Err))
            }
            _ => Err("internal error: reduction stage without a reduction"),
        };
        drop(leaves);
        match r {
            Ok(Ok(v)) => match k.scalar_slot(rid) {
                Some(slot) => scalars[slot] = crate::jit::slot_bits(v),
                None => run.record(rid.0, "internal error: reduction without a slot"),
            },
            Ok(Err(d)) => match k.ptr_slot(rid) {
                Some(slot) => owned[slot] = Some(d),
                None => run.record(rid.0, "internal error: reduction without a slot"),
            },
            Err(msg) => {
                run.record(rid.0, msg);
                // Later stages still run (the smallest failing node is
                // reported); give them an array of the right size.
                if let (NodeOp::ReduceAxis(..), Some(slot)) = (node.op, k.ptr_slot(rid)) {
                    owned[slot] = Some(ArrayData::zeros(node.dtype, size(&run.shapes[rid.index()])));
                }
            }
        }
    }
    Prepared { scalars, owned }
}

/// Evaluates `k` on inputs already checked against its signature, whose
/// node shapes are `shapes`, into `out` (the result's size and dtype,
/// checked by the caller). `limit` caps the threads of this call.
pub(crate) fn run_into(
    k: &JitKernel,
    inputs: &[Input<'_>],
    shapes: &[Vec<usize>],
    mut out: ArrayMut<'_>,
    threads: Option<(&Threads, usize)>,
) -> Result<(), Error> {
    let chunk = threads.map_or(DEFAULT_CHUNK, |(t, _)| t.chunk);
    let run = Run { k, inputs, shapes, chunk, fail: Mutex::new(Failure::default()) };
    let prepared = reductions(&run, threads);
    let stages = k.stages();
    let last = stages.len() - 1;
    let stage = &stages[last];
    let shape = &shapes[stage.root.index()];
    let leaves = run.leaves(stage, shape, &prepared.owned);
    let on = On { si: last, shape, leaves: &leaves, scalars: &prepared.scalars };
    let n = out.len();
    let parts = threads.map_or(1, |(t, limit)| limit.min(t.count).max(1));
    let pool = threads.filter(|(t, _)| parts > 1 && n >= t.serial_below.max(2)).and_then(|(t, _)| t.pool());
    match pool {
        None => run.fill(&on, 0, &mut out),
        Some(pool) => {
            let pieces = split(out, parts);
            pool.install(|| {
                pieces.into_par_iter().for_each(|(start, mut piece)| run.fill(&on, start, &mut piece))
            });
        }
    }
    let fail = run.fail.into_inner().unwrap_or_default();
    match fail.0 {
        Some((id, msg)) => Err(k.runtime(id, msg)),
        None => Ok(()),
    }
}

/// Evaluates `k` into a new array of the result's shape.
pub(crate) fn run(k: &JitKernel, inputs: &[Input<'_>], shapes: &[Vec<usize>], threads: Option<(&Threads, usize)>) -> Result<ArrayData, Error> {
    let root = k.program().node(k.program().result());
    let n = size(&shapes[k.program().result().index()]);
    let mut out = alloc::zeroed(root.dtype, n);
    run_into(k, inputs, shapes, out.as_mut(), threads)?;
    Ok(out)
}

/// The scalar state after the reductions ran, for [`JitKernel::prepare`].
pub(crate) fn prepare(k: &JitKernel, inputs: &[Input<'_>], shapes: &[Vec<usize>]) -> Result<Vec<u64>, Error> {
    let run = Run { k, inputs, shapes, chunk: DEFAULT_CHUNK, fail: Mutex::new(Failure::default()) };
    let prepared = reductions(&run, None);
    if prepared.owned.iter().any(Option::is_some) {
        return Err(Error::Input("prepare/run_range take 1-D inputs; this program has an axis reduction".into()));
    }
    match run.fail.into_inner().unwrap_or_default().0 {
        Some((id, msg)) => Err(k.runtime(id, msg)),
        None => Ok(prepared.scalars),
    }
}
