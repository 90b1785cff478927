//! Generators of large programs in shapes that stress different passes
//! of the compiler: shared by `benches/compile.rs` (compile time against
//! size) and `tests/scale.rs` (programs at the text limit compile, and
//! large stages give the interpreter's bits). Every program reads `a`,
//! `b`, `c` (1-D float64) and, for `axis`, `m` (2-D float64).
#![allow(dead_code)]

use numjet::syntax::MAX_NESTING;

/// The program shapes, each a generator of a program of at most `bytes`
/// bytes (as close to it as whole terms allow).
/// A generator: a program of at most this many bytes.
pub type Generator = fn(usize) -> String;

pub const SHAPES: [(&str, Generator); 12] = [
    ("flat", flat),
    ("chain", chain),
    ("temps", temps),
    ("deep", deep),
    ("calls", calls),
    ("reductions", reductions),
    ("constants", constants),
    ("compare", compare),
    ("where", where_nest),
    ("names", names),
    ("comments", comments),
    ("axis", axis),
];

/// Appends `term(i)` for i = 0, 1, ... to `out`, each after `sep(i)`
/// unless `out` is empty, while the text stays within `bytes - reserve`.
fn fill(bytes: usize, reserve: usize, mut out: String, sep: impl Fn(usize) -> &'static str, term: impl Fn(usize) -> String) -> String {
    let limit = bytes.saturating_sub(reserve);
    for i in 0.. {
        let t = term(i);
        let s = if out.is_empty() { "" } else { sep(i) };
        if out.len() + s.len() + t.len() > limit {
            break;
        }
        out.push_str(s);
        out.push_str(&t);
    }
    out
}

const VARS: [&str; 3] = ["a", "b", "c"];

/// `a + b*2 - c*3 + a*4 ...`: one long flat sum.
pub fn flat(bytes: usize) -> String {
    fill(bytes, 0, String::new(), |i| if i % 2 == 0 { " + " } else { " - " }, |i| format!("{}*{}", VARS[i % 3], i % 7 + 2))
}

/// `t0 = a*2` / `t1 = t0 + b` / `t2 = t1 * c` ...: a long dependency chain
/// of statements.
pub fn chain(bytes: usize) -> String {
    let ops = [" + ", " - ", " * "];
    let mut n = 0;
    let s = fill(bytes, 16, "t0 = a*2".to_string(), |_| "\n", |i| {
        let i = i + 1;
        format!("t{i} = t{}{}{}", i - 1, ops[i % 3], VARS[i % 3])
    });
    for l in s.lines() {
        n = l.split(' ').next().and_then(|t| t[1..].parse().ok()).unwrap_or(n);
    }
    format!("{s}\nt{n}")
}

/// `t0 = a*0 + b` ... `t0 + t1 + ...`: many independent temporaries, all
/// summed at the end.
pub fn temps(bytes: usize) -> String {
    let half = bytes / 2;
    let defs = fill(half, 0, String::new(), |_| "\n", |i| format!("t{i} = {}*{i} + {}", VARS[i % 3], VARS[(i + 1) % 3]));
    let n = defs.lines().count();
    let mut sum = String::new();
    for i in 0..n {
        if i > 0 {
            sum.push_str(" + ");
        }
        sum.push_str(&format!("t{i}"));
    }
    format!("{defs}\n{sum}")
}

/// Terms nested `MAX_NESTING - 5` parentheses deep, summed.
pub fn deep(bytes: usize) -> String {
    let d = MAX_NESTING - 5;
    fill(bytes, 0, String::new(), |_| " + ", |t| {
        let mut s = "(".repeat(d);
        s.push_str(&format!("a + {t}"));
        for k in 0..d {
            s.push_str(&format!(")*{} + {}", VARS[k % 3], k % 5));
        }
        s
    })
}

/// `sin(a + 0) + cos(b + 1) + ...`: many helper calls.
pub fn calls(bytes: usize) -> String {
    let f = ["sin", "cos", "exp", "tanh", "log1p", "arctan", "sqrt", "abs"];
    fill(bytes, 0, String::new(), |_| " + ", |i| format!("{}({} + {i})", f[i % f.len()], VARS[i % 3]))
}

/// `sum(a*0) + mean(b*1) + max(c*2) + ...`: many reductions (each a stage).
pub fn reductions(bytes: usize) -> String {
    let r = ["sum", "mean", "max", "min", "sum"];
    fill(bytes, 0, String::new(), |_| " + ", |i| format!("{}({}*{i})", r[i % r.len()], VARS[i % 3]))
}

/// `a*0.5 + b*1.5 + ...`: many distinct float constants.
pub fn constants(bytes: usize) -> String {
    fill(bytes, 0, String::new(), |_| " + ", |i| format!("{}*{i}.5", VARS[i % 3]))
}

/// `a < b + 0 <= c + 1 < a + 2 ...`: one long comparison chain.
pub fn compare(bytes: usize) -> String {
    let ops = [" < ", " <= ", " != "];
    fill(bytes, 0, "a".to_string(), |i| ops[i % 3], |i| format!("{} + {i}", VARS[(i + 1) % 3]))
}

/// `where(a > 0, a, where(b > 1, b, ...))` nests, summed.
pub fn where_nest(bytes: usize) -> String {
    // A `where` is two levels (the call and its argument).
    let d = (MAX_NESTING - 5) / 2;
    fill(bytes, 0, String::new(), |_| " + ", |t| {
        let mut s = String::new();
        for k in 0..d {
            let v = VARS[k % 3];
            s.push_str(&format!("where({v} > {}, {v}, ", t + k));
        }
        s.push('c');
        s.push_str(&")".repeat(d));
        s
    })
}

/// A chain of statements with 200-character names.
pub fn names(bytes: usize) -> String {
    let long = "x".repeat(200);
    let s = fill(bytes, 220, format!("{long}0 = a"), |_| "\n", |i| {
        let i = i + 1;
        format!("{long}{i} = {long}{} + {}", i - 1, VARS[i % 3])
    });
    let last = s.lines().last().and_then(|l| l.split(' ').next()).unwrap_or("a").to_string();
    format!("{s}\n{last}")
}

/// Mostly comments and whitespace: a statement every ten lines.
pub fn comments(bytes: usize) -> String {
    let comment = format!("    # {}", "comment text, ".repeat(14));
    let s = fill(bytes, 16, "t0 = a".to_string(), |_| "\n", |i| {
        if i % 10 == 9 { format!("t{} = t{} + {}   ", i / 10 + 1, i / 10, VARS[i % 3]) } else { comment.clone() }
    });
    let n = s.lines().filter(|l| l.starts_with('t')).count() - 1;
    format!("{s}\nt{n}")
}

/// `sum(m*0, axis=0) + mean(m*1, axis=1) ...` over a 2-D input: many
/// axis reductions (each a stage, and an array leaf of the result).
pub fn axis(bytes: usize) -> String {
    let r = ["sum", "mean", "max", "min"];
    fill(bytes, 0, String::new(), |_| " + ", |i| format!("{}(m*{i}, axis=0)", r[i % r.len()]))
}

