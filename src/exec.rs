//! Stage 4: execution — running a compiled kernel over the elements, on
//! several threads when the array is large enough to pay for them.
//!
//! The JIT's result stage is elementwise: element `i` depends only on
//! element `i` of the inputs (and on scalars computed before the loop), so
//! the output can be split into contiguous parts, one per thread, each
//! computed by one call of the same machine code on its own range
//! (`JitKernel::run_range`). The parts are fixed by the length and the
//! thread count, and every element is computed by the same instructions
//! whichever part it falls in, so results are identical for every thread
//! count.
//!
//! Reductions (the stages before the result stage) still run on the calling
//! thread (see `crate::jit`'s known limitations); parallel, deterministic
//! reductions are the next step.

use std::sync::{Arc, OnceLock};

use rayon::prelude::*;

use crate::array::{ArrayMut, Input};
use crate::error::Error;
use crate::jit::JitKernel;

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

/// Threads, and a dedicated pool so numjet does not compete with the host
/// application's global rayon pool.
#[derive(Debug)]
pub struct Threads {
    count: usize,
    serial_below: usize,
    pool: OnceLock<Option<Arc<rayon::ThreadPool>>>,
}

impl Threads {
    /// `count` threads (0 = the machine's cores); arrays shorter than
    /// `serial_below` run on the calling thread.
    pub fn new(count: usize, serial_below: usize) -> Threads {
        let count = if count == 0 { std::thread::available_parallelism().map_or(1, |n| n.get()) } else { count };
        Threads { count, serial_below, pool: OnceLock::new() }
    }

    pub fn count(&self) -> usize {
        self.count
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

/// Evaluates `kernel` into `out` (the whole result), in parallel when it
/// is long enough. `threads` caps the parts for this call.
pub(crate) fn run_into(kernel: &JitKernel, inputs: &[Input<'_>], len: usize, out: ArrayMut<'_>, threads: &Threads, limit: usize) -> Result<(), Error> {
    let prepared = kernel.prepare(inputs, len)?;
    let parts = limit.min(threads.count).max(1);
    let n = out.len();
    let pool = if parts > 1 && n >= threads.serial_below.max(2) { threads.pool() } else { None };
    let Some(pool) = pool else {
        return kernel.run_range(&prepared, inputs, 0, out);
    };
    let pieces = split(out, parts);
    let failed = pool.install(|| pieces.into_par_iter().map(|(start, piece)| kernel.run_range(&prepared, inputs, start, piece).is_err()).reduce(|| false, |a, b| a | b));
    if failed {
        // A chunk reports its own first failure; the whole evaluation must
        // report the interpreter's (the smallest failing node overall).
        return match kernel.run(inputs, len) {
            Err(e) => Err(e),
            Ok(_) => Err(Error::Runtime("internal error: a parallel part failed but the whole evaluation did not".into())),
        };
    }
    Ok(())
}
