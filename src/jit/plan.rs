//! Splitting a [`Program`] into stages (see the module docs of
//! [`crate::jit`]).

use super::codegen::{Blocked, VectorShape, blocked, vector_shape};
use crate::ir::{NodeId, NodeOp, Program, Shape};

/// What a stage's kernel computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum StageKind {
    /// Computes the argument of this `Reduce` or `ReduceAxis` node (a range
    /// at a time, see the module docs); the reduction itself runs in Rust.
    Reduce(NodeId),
    /// The program's result.
    Result,
}

/// One compiled function: a fused loop computing `nodes` per element and
/// storing `root`.
#[derive(Clone, Debug)]
pub(super) struct Stage {
    pub kind: StageKind,
    /// The node whose value is stored per element.
    pub root: NodeId,
    /// The nodes the stage evaluates, in topological (id) order. `Reduce`
    /// nodes among them are leaves: their value comes from the scalar
    /// buffer (`ReduceAxis`: from the input-pointer array).
    pub nodes: Vec<NodeId>,
    /// The shape of the stage's vector loop, if its nodes allow one
    /// (`codegen::vector_shape`; whether it is used also depends on the
    /// options and on Cranelift). Computed once, here.
    pub vector: Option<VectorShape>,
    /// The stage's blocks and phases, if it calls math functions per block
    /// (`codegen/blocks.rs`); such a stage has no whole-stage `vector`.
    pub blocked: Option<Blocked>,
}

/// The stages of a program and its scalar-buffer layout.
#[derive(Clone, Debug)]
pub(super) struct Plan {
    /// Reduction stages in node order, then the result stage.
    pub stages: Vec<Stage>,
    /// Scalar-buffer slot of each node that has one: 0-d inputs (slot =
    /// parameter position) and reductions (after the parameters).
    pub slot: Vec<Option<u32>>,
    /// Number of scalar-buffer slots.
    pub nslots: usize,
    /// For each parameter that is a 0-d complex128 input, the first of
    /// the two slots its node reads (real part, then imaginary part; its
    /// own slot, the parameter's position, holds only the real part).
    pub complex_params: Vec<Option<u32>>,
    /// Position in the kernel's input-pointer array of each array leaf:
    /// array inputs (position = parameter position) and axis reductions
    /// (after the parameters), whose values earlier stages computed.
    pub ptr: Vec<Option<u32>>,
    /// Length of the input-pointer array.
    pub nptrs: usize,
}

/// The stages of `p`, or, if they would compute more than `max_nodes`
/// nodes in all, the node (a reduction, or the result) whose stage
/// crossed that: planning stops there, so it costs at most `max_nodes`
/// plus one stage.
pub(super) fn plan(p: &Program, max_nodes: usize) -> Result<Plan, NodeId> {
    let nparams = p.signature().params().len();
    let mut slot = vec![None; p.nodes().len()];
    let mut nslots = nparams;
    let mut complex_params = vec![None; nparams];
    for (i, n) in p.nodes().iter().enumerate() {
        match n.op {
            NodeOp::Input(k) if n.shape() == Shape::Scalar && n.dtype == crate::dtype::DType::Complex128 => {
                slot[i] = Some(nslots as u32);
                complex_params[k] = Some(nslots as u32);
                nslots += 2;
            }
            NodeOp::Input(k) if n.shape() == Shape::Scalar => slot[i] = Some(k as u32),
            NodeOp::Reduce(_) => {
                slot[i] = Some(nslots as u32);
                // A complex128 result takes two slots (real part first).
                nslots += if n.dtype == crate::dtype::DType::Complex128 { 2 } else { 1 };
            }
            _ => {}
        }
    }
    let mut ptr = vec![None; p.nodes().len()];
    let mut nptrs = nparams;
    for (i, n) in p.nodes().iter().enumerate() {
        match n.op {
            NodeOp::Input(k) if n.shape() == Shape::Array => ptr[i] = Some(k as u32),
            NodeOp::ReduceAxis(..) => {
                ptr[i] = Some(nptrs as u32);
                nptrs += 1;
            }
            _ => {}
        }
    }
    // One mark per node, stamped with the stage being collected, so a
    // stage costs its own size, not the program's (a program of many
    // reductions has many small stages).
    let mut mark = vec![0u32; p.nodes().len()];
    let mut stages: Vec<Stage> = Vec::new();
    let mut total = 0usize;
    let reductions = p.nodes().iter().enumerate().filter_map(|(i, n)| match n.op {
        NodeOp::Reduce(_) | NodeOp::ReduceAxis(..) => Some((StageKind::Reduce(NodeId(i as u32)), n.args[0])),
        _ => None,
    });
    for (kind, root) in reductions.chain([(StageKind::Result, p.result())]) {
        let stamp = stages.len() as u32 + 1;
        let st = stage(p, kind, root, &mut mark, stamp);
        total += st.nodes.len();
        if total > max_nodes {
            return Err(match kind {
                StageKind::Reduce(r) => r,
                StageKind::Result => root,
            });
        }
        stages.push(st);
    }
    Ok(Plan { stages, slot, nslots, complex_params, ptr, nptrs })
}

/// The nodes `root` needs, stopping at reductions (computed by earlier
/// stages): a walk over the stage's own nodes, marking them in `mark`
/// with `stamp` (distinct for every stage).
fn stage(p: &Program, kind: StageKind, root: NodeId, mark: &mut [u32], stamp: u32) -> Stage {
    let mut nodes = vec![root];
    mark[root.index()] = stamp;
    let mut k = 0;
    while k < nodes.len() {
        let n = p.node(nodes[k]);
        k += 1;
        if matches!(n.op, NodeOp::Reduce(_) | NodeOp::ReduceAxis(..)) {
            continue;
        }
        for &a in &n.args {
            if mark[a.index()] != stamp {
                mark[a.index()] = stamp;
                nodes.push(a);
            }
        }
    }
    nodes.sort_unstable();
    let vector = vector_shape(p, root, &nodes);
    let blocked = blocked(p, root, &nodes, vector.is_some());
    let vector = if blocked.is_some() { None } else { vector };
    Stage { kind, root, nodes, vector, blocked }
}
