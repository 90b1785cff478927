//! Stage 4: execution — running a compiled program over N-d, strided and
//! broadcast arrays, in blocks, on several threads.
//!
//! ## Iteration
//!
//! Every stage of a JIT kernel (see [`crate::jit`]) computes its root over
//! the root's shape, in C order. Its array leaves (inputs, and axis
//! reductions computed by earlier stages) are [`Operand`]s: seen
//! through that shape, with 0 strides where they broadcast. The iteration
//! space is cut into blocks of at most [`Threads::chunk`] elements; for each
//! block the kernel gets, per leaf, either a pointer into the leaf's own
//! memory (the leaf is C-contiguous over the iteration shape: the fast path,
//! no copy) or a pointer to a block-sized buffer the leaf's elements were
//! gathered into (strided and broadcast leaves). So no evaluation copies a
//! whole array: scratch memory is at most one block per leaf per thread.
//! Kernels are called through the JIT's checked ABI (`jit::abi`) with
//! borrowed slices: the only `unsafe` here is `alloc.rs`'s `madvise`.
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

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use rayon::prelude::*;

use crate::array::{ArrayData, ArrayMut, ArrayRef, Input, c_strides};
use crate::dtype::Scalar;
use crate::error::Error;
use crate::ir::{NodeId, NodeOp, Shape};
use crate::jit::{self, JitKernel, StageInfo};
use crate::layout::{self, Buffer, MemoryPlan, Operand, size};
use crate::mem;

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

/// The smallest failing node so far, and its message.
#[derive(Default)]
struct Failure(Option<(u32, &'static str)>);

impl Failure {
    fn record(&mut self, id: u32, msg: &'static str) {
        if self.0.is_none_or(|(old, _)| id < old) {
            self.0 = Some((id, msg));
        }
    }

    /// The evaluation's result: the interpreter's error for the smallest
    /// failing node, if any.
    fn into_result(self, k: &JitKernel) -> Result<(), Error> {
        match self.0 {
            Some((id, msg)) => Err(layout::failure(k.program(), NodeId(id), msg)),
            None => Ok(()),
        }
    }
}

/// One evaluation of a JIT kernel.
struct Run<'k, 'a> {
    k: &'k JitKernel,
    inputs: &'k [Input<'a>],
    shapes: &'k [Vec<usize>],
    chunk: usize,
    fail: Mutex<Failure>,
    /// Set by the caller to stop the evaluation: blocks not yet started
    /// are skipped, and the evaluation returns [`Error::Interrupted`].
    cancel: Option<&'k AtomicBool>,
}

/// The leaves of one stage, by input-pointer position.
type Leaves<'d> = Vec<Option<Operand<'d>>>;

/// One stage's kernel over an iteration shape: what every call of it
/// needs besides the range.
struct On<'r, 'd> {
    /// The stage's index.
    si: usize,
    /// The node it computes (where its own failures are reported).
    root: NodeId,
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
            let Some(slot) = self.k.ptr_slot(id) else { continue };
            let d = owned.get(slot).and_then(Option::as_ref).map(ArrayData::as_ref);
            if let Some(op) = leaf(p, self.inputs, self.shapes, id, d, shape) {
                ops[slot] = Some(op);
            }
        }
        ops
    }

    /// Computes elements `start..start + out.len()` of stage `si` (over
    /// `shape`) into `out`, block by block.
    fn fill(&self, on: &On<'_, '_>, start: usize, out: &mut ArrayMut<'_>) {
        let n = out.len();
        if n == 0 {
            // No elements, but the stage's 0-d nodes still run once, for
            // their errors (`zeros(0) + int8(2) ** k` with `k = -1` fails
            // in NumPy and in the interpreter).
            self.block(on, start, out);
            return;
        }
        let mut done = 0;
        while done < n {
            let len = self.chunk.min(n - done);
            let mut block = out.slice_mut(done, len);
            self.block(on, start + done, &mut block);
            done += len;
        }
    }

    /// One kernel call on elements `start..start + out.len()`.
    fn block(&self, on: &On<'_, '_>, start: usize, out: &mut ArrayMut<'_>) {
        let len = out.len();
        self.with_block(on, start, len, |leaves| self.k.entries().call(on.si, leaves, out.reborrow(), on.scalars, 0));
    }

    /// The leaf sums (see [`reduce::LeafSums`]) of the leaves of `sizes`
    /// from element `start` into `out` (one element per leaf): kernel calls
    /// on runs of whole leaves of at most `chunk` elements (or one leaf).
    fn sums(&self, on: &On<'_, '_>, start: usize, sizes: &[u32], out: &mut ArrayMut<'_>) {
        if out.len() != sizes.len() {
            self.record(jit::NO_NODE, "internal error: leaf sums of the wrong length");
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
            let run = &sizes[k..e];
            let part = out.slice_mut(k, e - k);
            self.with_block(on, at, len, |leaves| self.k.entries().call_leaves(on.si, leaves, part, on.scalars, run));
            k = e;
            at += len;
        }
    }

    /// Calls `call` with elements `start..start + len` of every leaf
    /// (`len` elements each, by input-pointer position: the leaf's own
    /// memory where it is contiguous over the iteration shape, else a
    /// buffer gathered for this block) and records the failure it returns.
    fn with_block(&self, on: &On<'_, '_>, start: usize, len: usize, call: impl FnOnce(&[Option<ArrayRef<'_>>]) -> Result<(), jit::Failed>) {
        if self.cancelled() {
            return;
        }
        let (shape, leaves) = (on.shape, on.leaves);
        // Gathered blocks of the strided and broadcast leaves, alive until
        // after the call.
        let mut scratch: Vec<(usize, ArrayData)> = Vec::new();
        for (slot, leaf) in leaves.iter().enumerate() {
            if let Some(leaf) = leaf
                && !leaf.contiguous
            {
                let Ok(mut d) = ArrayData::try_zeros(leaf.data.dtype(), len) else {
                    self.record(on.root.0, "out of memory for a block's gather buffer");
                    return;
                };
                leaf.gather(shape, start, &mut d.as_mut());
                scratch.push((slot, d));
            }
        }
        // The blocks live on the stack for up to 16 leaves: this runs once
        // per block.
        let mut small = [None; 16];
        let mut heap = Vec::new();
        let blocks: &mut [Option<ArrayRef<'_>>] = if leaves.len() <= small.len() {
            &mut small[..leaves.len()]
        } else {
            heap.resize(leaves.len(), None);
            &mut heap
        };
        for (block, leaf) in blocks.iter_mut().zip(leaves) {
            if let Some(leaf) = leaf.as_ref().filter(|l| l.contiguous) {
                *block = leaf.block(start, len);
            }
        }
        for (slot, d) in &scratch {
            blocks[*slot] = Some(d.as_ref());
        }
        if let Err(f) = call(blocks) {
            let (id, msg) = self.k.failure(f);
            self.record(id, msg);
        }
    }

    fn cancelled(&self) -> bool {
        self.cancel.is_some_and(|c| c.load(Ordering::Relaxed))
    }

    /// The evaluation's outcome: interrupted, or the smallest failure.
    fn into_result(self) -> Result<(), Error> {
        if self.cancelled() {
            return Err(Error::Interrupted);
        }
        self.fail.into_inner().unwrap_or_default().into_result(self.k)
    }

    fn record(&self, id: u32, msg: &'static str) {
        if let Ok(mut f) = self.fail.lock() {
            f.record(id, msg);
        }
    }
}

/// Array leaf `id` of a stage, seen through the stage's iteration `shape`:
/// an array input, or an axis reduction computed earlier (`data`, its
/// elements in C order); `None` for anything else (scalars, a reduction
/// whose array is missing).
fn leaf<'d>(p: &crate::ir::Program, inputs: &[Input<'d>], shapes: &[Vec<usize>], id: NodeId, data: Option<ArrayRef<'d>>, shape: &[usize]) -> Option<Operand<'d>> {
    let n = p.node(id);
    if n.shape() != Shape::Array {
        return None;
    }
    match n.op {
        NodeOp::Input(k) => match inputs[k] {
            Input::Array(a) => Some(Operand::new(a, &[a.len()], &[1], 0, shape)),
            Input::View(v) => Some(Operand::new(v.data(), v.shape(), &v.strides(), v.offset(), shape)),
            Input::Scalar(_) => None,
        },
        NodeOp::ReduceAxis(..) => {
            let own = &shapes[id.index()];
            Some(Operand::new(data?, own, &c_strides(own), 0, shape))
        }
        _ => None,
    }
}

/// The scalar slots (0-d inputs, full reductions) and the arrays of axis
/// reductions: everything the result stage reads besides the inputs.
struct Reduced {
    scalars: Vec<u64>,
    owned: Vec<Option<ArrayData>>,
}

/// Runs every reduction stage of `k` (in node order) for these inputs,
/// whose node shapes are `shapes`. `threads`: `None` runs on the calling
/// thread.
fn reductions(run: &Run<'_, '_>, threads: Option<(&Threads, usize)>) -> Reduced {
    let k = run.k;
    let p = k.program();
    let mut scalars = vec![0u64; k.nslots()];
    for (i, x) in run.inputs.iter().enumerate() {
        if let Input::Scalar(s) = x {
            scalars[i] = jit::slot_bits(*s);
            // A complex128 has both parts in a pair of slots of its own.
            if let (Scalar::Complex128(c), Some(j)) = (s, k.complex_param_slot(i))
                && j + 1 < scalars.len()
            {
                scalars[j] = c.re.to_bits();
                scalars[j + 1] = c.im.to_bits();
            }
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
        let pool = threads.filter(|_| running(threads, n, true) > 1).and_then(|(t, _)| t.pool());
        // The argument is computed in the order the reduction walks it
        // (NumPy's memory order; see `layout::reduction_walk`).
        let (perm, walk_axis) = layout::reduction_walk(p, run.inputs, run.shapes, rid);
        let wshape = layout::permute(shape, &perm);
        let leaves: Leaves = run.leaves(stage, shape, &owned).into_iter().map(|l| l.map(|o| o.permuted(&perm, shape))).collect();
        let on = On { si, root: stage.root, shape: &wshape, leaves: &leaves, scalars: &scalars };
        if n == 0 {
            // An empty argument: the stage's 0-d nodes still run once, for
            // their errors (as in `fill`).
            run.with_block(&on, 0, 0, |leaves| k.entries().call_empty(si, leaves, &scalars));
        }
        let fill = |start: usize, buf: &mut ArrayMut<'_>| run.fill(&on, start, buf);
        let sums = |start: usize, sizes: &[u32], out: &mut ArrayMut<'_>| run.sums(&on, start, sizes, out);
        let stop = || run.cancelled();
        let src = reduce::Arg { fill: &fill, leaves: stage.sums.then_some(&sums as &reduce::LeafSums<'_>), stop: &stop };
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
                Some(slot) => {
                    scalars[slot] = jit::slot_bits(v);
                    // The imaginary part of a complex128 in the next slot
                    // (the plan gave it two).
                    if let (Scalar::Complex128(c), Some(im)) = (v, scalars.get_mut(slot + 1)) {
                        *im = c.im.to_bits();
                    }
                }
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
                    match ArrayData::try_zeros(node.dtype, size(&run.shapes[rid.index()])) {
                        Ok(d) => owned[slot] = Some(d),
                        // Later stages then fail the ABI's operand check
                        // (recorded after this, at a larger node).
                        Err(_) => run.record(rid.0, "out of memory for the result of an axis reduction"),
                    }
                }
            }
        }
    }
    Reduced { scalars, owned }
}

/// What an evaluation of `k` allocates besides its inputs, for the memory
/// limit: the result (if `fresh`), the results of axis reductions (alive
/// until the end), and the scratch of the stage that needs most: per
/// running thread, one block of every gathered (strided or broadcast)
/// leaf, a streamed reduction's pieces, and an axis reduction's row of
/// accumulators. It follows the decisions the evaluation makes (which
/// leaves are contiguous, how many threads a stage runs on, the order a
/// reduction walks in) by calling the same functions.
fn memory(k: &JitKernel, inputs: &[Input<'_>], shapes: &[Vec<usize>], fresh: bool, threads: Option<(&Threads, usize)>) -> MemoryPlan {
    let p = k.program();
    let mut plan = MemoryPlan::default();
    if fresh {
        plan.add_node(p, shapes, p.result());
    }
    let chunk = threads.map_or(DEFAULT_CHUNK, |(t, _)| t.chunk);
    let mut scratch: Option<(NodeId, u128)> = None;
    for stage in k.stages() {
        let shape = &shapes[stage.root.index()];
        let n = size(shape);
        let running = running(threads, n, stage.reduction.is_some()) as u128;
        // A streamed reduction hands out pieces of up to `STREAM` elements.
        let block = if stage.reduction.is_some() { chunk.max(reduce::STREAM) } else { chunk }.min(n) as u128;
        let perm = stage.reduction.map(|rid| layout::reduction_walk(p, inputs, shapes, rid));
        let empty = Some(ArrayRef::Bool(&[]));
        let gathered: u128 = stage
            .nodes
            .iter()
            .filter_map(|&id| leaf(p, inputs, shapes, id, empty, shape).map(|op| (id, op)))
            .filter(|(_, op)| !perm.as_ref().map_or(op.contiguous, |(perm, _)| op.permuted(perm, shape).contiguous))
            .map(|(id, _)| p.node(id).dtype.size() as u128)
            .sum();
        let root = p.node(stage.root).dtype.size() as u128;
        let mut bytes = running * block * gathered;
        if let Some(rid) = stage.reduction {
            // A piece of the argument and a float64 copy of it (the mean
            // of integers).
            bytes += running * reduce::STREAM as u128 * (root + 8);
            if let (NodeOp::ReduceAxis(..), Some((perm, axis))) = (p.node(rid).op, &perm) {
                plan.add_node(p, shapes, rid);
                let wshape = layout::permute(shape, perm);
                let axis = axis.unwrap_or(0);
                let outer: usize = crate::array::elements(&wshape[..axis.min(wshape.len())]);
                let inner: usize = wshape.get(axis + 1..).map_or(1, crate::array::elements);
                if inner > 1 {
                    // One row of accumulators and one of the argument per
                    // running row.
                    bytes += running.min(outer as u128) * inner as u128 * (size_of::<Scalar>() as u128 + root);
                }
            }
        }
        if scratch.is_none_or(|(_, b)| bytes > b) {
            scratch = Some((stage.root, bytes));
        }
    }
    if let Some((id, bytes)) = scratch {
        plan.add(id, bytes, Buffer::Scratch);
    }
    plan
}

/// A bound on what [`memory`] counts, from sizes alone: every node's
/// largest size for the result and each axis reduction, and per thread
/// the largest block of every node, a streamed piece with its float64
/// copy, and a row of accumulators. When even this fits the limit the
/// plan (which walks every leaf's layout) is not needed: small
/// evaluations, where it would be a noticeable part of the cost.
fn surely_fits(k: &JitKernel, shapes: &[Vec<usize>], threads: Option<(&Threads, usize)>, memory_limit: usize) -> bool {
    let nodes = k.program().nodes().len() as u128;
    let largest = shapes.iter().map(|s| size(s) as u128).max().unwrap_or(1);
    let t = threads.map_or(1, |(t, _)| t.count.max(1)) as u128;
    let chunk = threads.map_or(DEFAULT_CHUNK, |(t, _)| t.chunk).max(reduce::STREAM) as u128;
    let bound = largest * 8 * (nodes + 1) + t * chunk * 8 * nodes + t * reduce::STREAM as u128 * 16 + t * largest * (size_of::<Scalar>() as u128 + 8);
    bound <= memory_limit as u128
}

/// The threads a stage of `n` elements runs on (the one decision the
/// evaluation and its memory plan read): 1 on the calling thread (no
/// pool, one thread allowed, or under `serial_below`); else the whole pool
/// for a reduction, which splits its work recursively, and `limit` parts
/// for the result stage.
fn running(threads: Option<(&Threads, usize)>, n: usize, reduction: bool) -> usize {
    match threads {
        Some((t, limit)) if limit.min(t.count) > 1 && n >= t.serial_below.max(2) => {
            if reduction {
                t.count
            } else {
                limit.min(t.count)
            }
        }
        _ => 1,
    }
}

/// What [`run`] (a fresh result) checks against its memory limit.
pub(crate) fn memory_plan(k: &JitKernel, inputs: &[Input<'_>], shapes: &[Vec<usize>], threads: Option<(&Threads, usize)>) -> MemoryPlan {
    memory(k, inputs, shapes, true, threads)
}

/// Evaluates `k` on inputs already checked against its signature, whose
/// node shapes are `shapes`, into `out` (the result's size and dtype,
/// checked by the caller). `limit` caps the threads of this call. What it
/// allocates is checked against `memory_limit` (bytes) first.
pub(crate) fn run_into(
    k: &JitKernel,
    inputs: &[Input<'_>],
    shapes: &[Vec<usize>],
    out: ArrayMut<'_>,
    threads: Option<(&Threads, usize)>,
    memory_limit: usize,
    cancel: Option<&AtomicBool>,
) -> Result<(), Error> {
    if !surely_fits(k, shapes, threads, memory_limit) {
        memory(k, inputs, shapes, false, threads).check(k.program(), shapes, memory_limit, true)?;
    }
    run_checked(k, inputs, shapes, out, threads, cancel)
}

/// [`run_into`] after the memory check.
fn run_checked(
    k: &JitKernel,
    inputs: &[Input<'_>],
    shapes: &[Vec<usize>],
    mut out: ArrayMut<'_>,
    threads: Option<(&Threads, usize)>,
    cancel: Option<&AtomicBool>,
) -> Result<(), Error> {
    let chunk = threads.map_or(DEFAULT_CHUNK, |(t, _)| t.chunk);
    let run = Run { k, inputs, shapes, chunk, fail: Mutex::new(Failure::default()), cancel };
    let prepared = reductions(&run, threads);
    let stages = k.stages();
    let last = stages.len() - 1;
    let stage = &stages[last];
    let shape = &shapes[stage.root.index()];
    let leaves = run.leaves(stage, shape, &prepared.owned);
    let on = On { si: last, root: stage.root, shape, leaves: &leaves, scalars: &prepared.scalars };
    let n = out.len();
    let parts = running(threads, n, false);
    let pool = threads.filter(|_| parts > 1).and_then(|(t, _)| t.pool());
    match pool {
        None => run.fill(&on, 0, &mut out),
        Some(pool) => {
            let pieces = out.split(parts);
            pool.install(|| {
                pieces.into_par_iter().for_each(|(start, mut piece)| run.fill(&on, start, &mut piece))
            });
        }
    }
    run.into_result()
}

/// Evaluates `k` into a new array of the result's shape (what it
/// allocates checked against `memory_limit` first).
pub(crate) fn run(
    k: &JitKernel,
    inputs: &[Input<'_>],
    shapes: &[Vec<usize>],
    threads: Option<(&Threads, usize)>,
    memory_limit: usize,
    cancel: Option<&AtomicBool>,
) -> Result<ArrayData, Error> {
    let p = k.program();
    if !surely_fits(k, shapes, threads, memory_limit) {
        memory(k, inputs, shapes, true, threads).check(p, shapes, memory_limit, true)?;
    }
    let n = size(&shapes[p.result().index()]);
    let mut out = alloc::zeroed(p.node(p.result()).dtype, n).map_err(|e| layout::refused(p, p.result(), e))?;
    run_checked(k, inputs, shapes, out.as_mut(), threads, cancel)?;
    Ok(out)
}

/// Evaluates `k` on one thread, checking the inputs against its
/// signature: the interpreter's contract and results (`Ok(Ok(data))` for an
/// array result, in C order, `Ok(Err(value))` for a 0-d one). `len` is the
/// common length of 1-D array inputs (ignored when there are none); N-d
/// inputs ([`Input::View`]) are broadcast as in NumPy. Inputs that do not
/// match the signature, or 1-D arrays whose length is not `len`, are an
/// [`Error::Input`].
pub fn evaluate(k: &JitKernel, inputs: &[Input<'_>], len: usize) -> Result<Result<ArrayData, Scalar>, Error> {
    let inputs = &Input::normalize(inputs)[..];
    check_1d(k, inputs, len, true)?;
    let shapes = layout::shapes(k.program(), inputs)?;
    let out = run(k, inputs, &shapes, None, mem::default_limit(), None)?;
    if k.program().shape() == Shape::Array { Ok(Ok(out)) } else { Ok(Err(out.as_ref().get(0))) }
}

/// What [`run_range`] needs to compute any chunk of the result of a 1-D
/// evaluation: the scalar state after its reductions ran.
#[derive(Clone, Debug)]
pub struct Prepared {
    scalars: Vec<u64>,
    len: usize,
}

/// Runs the reduction stages of `k` (everything but the final elementwise
/// stage) for a chunked evaluation of 1-D inputs of length `len` with
/// [`run_range`].
pub fn prepare(k: &JitKernel, inputs: &[Input<'_>], len: usize) -> Result<Prepared, Error> {
    check_1d(k, inputs, len, false)?;
    let shapes = layout::shapes(k.program(), inputs)?;
    let run = Run { k, inputs, shapes: &shapes, chunk: DEFAULT_CHUNK, fail: Mutex::new(Failure::default()), cancel: None };
    let reduced = reductions(&run, None);
    if reduced.owned.iter().any(Option::is_some) {
        return Err(Error::Input("prepare/run_range take 1-D inputs; this program has an axis reduction".into()));
    }
    run.fail.into_inner().unwrap_or_default().into_result(k)?;
    Ok(Prepared { scalars: reduced.scalars, len })
}

/// Computes elements `start..start + out.len()` of the result into `out`
/// (element `start` first): one chunk of the evaluation `prepared` was
/// made for (1-D inputs). Chunks may run concurrently from several
/// threads. A 0-d result is one element (`start` 0, `out` of length 1).
///
/// A runtime error reports the first failing node of this chunk (the
/// whole evaluation with [`evaluate`] reports the interpreter's).
pub fn run_range(k: &JitKernel, prepared: &Prepared, inputs: &[Input<'_>], start: usize, out: ArrayMut<'_>) -> Result<(), Error> {
    check_1d(k, inputs, prepared.len, false)?;
    let stages = k.stages();
    let (last, stage) = (stages.len() - 1, &stages[stages.len() - 1]);
    let root_is_array = k.program().node(stage.root).is_array();
    let total = if root_is_array { prepared.len } else { 1 };
    let dtype = k.program().node(stage.root).dtype;
    if out.dtype() != dtype || start.checked_add(out.len()).is_none_or(|end| end > total) {
        return Err(Error::Input(format!(
            "output chunk of {} elements at {start} does not fit a {dtype} result of length {total}",
            out.len()
        )));
    }
    // Array inputs at their parameter positions; the pointer array has no
    // axis reductions (`prepare` refused them).
    let mut leaves: Vec<Option<ArrayRef<'_>>> = vec![None; k.nptrs()];
    for (slot, x) in leaves.iter_mut().zip(inputs) {
        if let Input::Array(a) = x {
            *slot = Some(*a);
        }
    }
    let mut fail = Failure::default();
    if let Err(f) = k.entries().call(last, &leaves, out, &prepared.scalars, start) {
        let (id, msg) = k.failure(f);
        fail.record(id, msg);
    }
    fail.into_result(k)
}

/// Checks inputs against the signature and 1-D arrays against `len`;
/// N-d views only where `views` (the chunked entry points take 1-D
/// inputs).
fn check_1d(k: &JitKernel, inputs: &[Input<'_>], len: usize, views: bool) -> Result<(), Error> {
    k.program().signature().check(inputs)?;
    for (p, x) in k.program().signature().params().iter().zip(inputs) {
        match x {
            Input::Array(a) if a.len() != len => {
                return Err(Error::Input(format!("input `{}` has {} elements, expected {len}", p.name, a.len())));
            }
            Input::View(_) if !views => {
                return Err(Error::Input(format!("input `{}` is an N-d view; prepare/run_range take 1-D inputs", p.name)));
            }
            _ => {}
        }
    }
    Ok(())
}
