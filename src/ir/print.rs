//! The IR as text, one node per line: what `:ir` shows.
//!
//! ```text
//! %0 = input a               : float64[n]
//! %1 = const 2.0             : float64
//! %2 = multiply %0, %1       : float64[n]
//! ```

use std::fmt;

use super::{NodeOp, Program};

impl fmt::Display for Program {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, n) in self.nodes.iter().enumerate() {
            let args: Vec<String> = n.args.iter().map(|a| format!("%{}", a.0)).collect();
            let what = match n.op {
                NodeOp::Input(p) => format!("input {}", self.signature.params[p].name),
                NodeOp::Const(s) => format!("const {s}"),
                NodeOp::Fill(s) => format!("fill {s} like {}", args.join(", ")),
                NodeOp::Cast => format!("cast {}", args.join(", ")),
                NodeOp::Op(op) => format!("{} {}", op.def().name, args.join(", ")),
                NodeOp::Reduce(r) => format!("{} {}", r.def().name, args.join(", ")),
                NodeOp::ReduceAxis(r, axis) => format!("{} {}, axis={axis}", r.def().name, args.join(", ")),
            };
            // `[n]` for 1-D, `[n, n]` for 2-D, ...: shapes are known at evaluation.
            let shape = if n.ndim == 0 { String::new() } else { format!("[{}]", vec!["n"; n.ndim].join(", ")) };
            writeln!(f, "%{i} = {what:<24} : {}{shape}", n.dtype)?;
        }
        write!(f, "return %{}", self.result.0)
    }
}
