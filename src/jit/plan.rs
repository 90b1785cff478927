//! Splitting a [`Program`] into stages (see the module docs of
//! [`crate::jit`]).

use super::codegen::{VectorShape, vector_shape};
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
    /// Position in the kernel's input-pointer array of each array leaf:
    /// array inputs (position = parameter position) and axis reductions
    /// (after the parameters), whose values earlier stages computed.
    pub ptr: Vec<Option<u32>>,
    /// Length of the input-pointer array.
    pub nptrs: usize,
}

pub(super) fn plan(p: &Program) -> Plan {
    let nparams = p.signature().params().len();
    let mut slot = vec![None; p.nodes().len()];
    let mut nslots = nparams;
    for (i, n) in p.nodes().iter().enumerate() {
        match n.op {
            NodeOp::Input(k) if n.shape() == Shape::Scalar => slot[i] = Some(k as u32),
            NodeOp::Reduce(_) => {
                slot[i] = Some(nslots as u32);
                nslots += 1;
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
    let mut stages = Vec::new();
    for (i, n) in p.nodes().iter().enumerate() {
        if let NodeOp::Reduce(_) | NodeOp::ReduceAxis(..) = n.op {
            let root = n.args[0];
            stages.push(stage(p, StageKind::Reduce(NodeId(i as u32)), root));
        }
    }
    stages.push(stage(p, StageKind::Result, p.result()));
    Plan { stages, slot, nslots, ptr, nptrs }
}

/// The nodes `root` needs, stopping at reductions (computed by earlier stages).
fn stage(p: &Program, kind: StageKind, root: NodeId) -> Stage {
    let mut seen = vec![false; p.nodes().len()];
    let mut stack = vec![root];
    seen[root.index()] = true;
    while let Some(id) = stack.pop() {
        let n = p.node(id);
        if matches!(n.op, NodeOp::Reduce(_) | NodeOp::ReduceAxis(..)) {
            continue;
        }
        for &a in &n.args {
            if !seen[a.index()] {
                seen[a.index()] = true;
                stack.push(a);
            }
        }
    }
    let nodes: Vec<NodeId> = (0..p.nodes().len()).filter(|&i| seen[i]).map(|i| NodeId(i as u32)).collect();
    let vector = vector_shape(p, root, &nodes);
    Stage { kind, root, nodes, vector }
}
