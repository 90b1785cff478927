//! The stage ABI's function signature, the [`Emitter`] that compiles a
//! stage into the JIT module (vector loop first, the scalar loop only if
//! the stage has no vector shape or Cranelift cannot lower its vector
//! code), and the Cranelift IR and machine-code listings of a compile.

use std::collections::HashMap;

use cranelift_codegen::ir::{AbiParam, Signature, UserFuncName};
use cranelift_codegen::{CompiledCode, Context};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use cranelift_jit::JITModule;
use cranelift_module::{FuncId, Linkage, Module, ModuleDeclarations};

use super::lowering::{Fold, VectorShape};
use super::{Lowerer, Mode};
use crate::ir::Program;
use crate::jit::JitOptions;
use crate::jit::plan::{Plan, Stage};

/// What a compiled function computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(in crate::jit) enum Form {
    /// The stage's root, stored per element to `out` (the kernel ABI of
    /// the module docs of [`crate::jit`], six parameters).
    Elements,
    /// The stage's reduction, fused: a seventh parameter `sizes: *const
    /// u32`, `len` is the number of leaves, and `out[k]` (of the
    /// reduction's dtype) gets the fold of the `sizes[k]` elements after
    /// the previous leaves, from element `start`.
    Leaves(Fold),
}

impl Form {
    fn params(self) -> usize {
        match self {
            Form::Elements => 6,
            Form::Leaves(_) => 7,
        }
    }
}

/// The signature of a stage's [`Form`]: `params` pointer-sized
/// parameters, no results, the target's default (C) calling convention.
fn signature(module: &JITModule, form: Form) -> Signature {
    let ptr = module.target_config().pointer_type();
    let mut sig = module.make_signature();
    for _ in 0..form.params() {
        sig.params.push(AbiParam::new(ptr));
    }
    sig
}

/// The compiled form of one stage, before finalisation.
pub(in crate::jit) struct StageCode {
    pub func: FuncId,
    /// The Cranelift IR, as given to the code generator.
    pub clif: String,
    /// The machine-code listing (see [`DISASM_HEADER`]).
    pub disasm: String,
    /// Whether the stage has the vector loop.
    pub vectorised: bool,
    /// Why the vector loop was given up for a stage that qualified.
    pub vector_error: Option<String>,
}

/// Compiles stages into one JIT module.
pub(in crate::jit) struct Emitter<'m> {
    pub module: &'m mut JITModule,
    pub ctx: Context,
    pub fctx: FunctionBuilderContext,
    /// The lowerer's per-node and per-pointer tables, kept between
    /// functions with every entry `None` ([`Emitter::define`] clears the
    /// entries of the stage it lowered): a function costs the size of its
    /// stage, not of the program (a program of many reductions has many
    /// small stages).
    pub scratch: Scratch,
}

/// See [`Emitter::scratch`].
#[derive(Default)]
pub(in crate::jit) struct Scratch {
    vals: Vec<Option<cranelift_codegen::ir::Value>>,
    vvals: Vec<Option<cranelift_codegen::ir::Value>>,
    scratch: Vec<Option<cranelift_codegen::ir::Value>>,
    bases: Vec<Option<cranelift_codegen::ir::Value>>,
}

impl Emitter<'_> {
    /// Compiles `stage` into the module (not yet finalised): vectorised if
    /// `vectorise` is set, the stage has a vector shape ([`Stage::vector`])
    /// and Cranelift can lower it, else with the scalar loop only.
    ///
    /// [`Form::Leaves`] needs a stage [`fused`] accepts (it has no
    /// scalar-only version).
    pub fn compile_stage(
        &mut self,
        p: &Program,
        plan: &Plan,
        stage: &Stage,
        index: usize,
        options: &JitOptions,
        form: Form,
    ) -> Result<StageCode, String> {
        let vectorise = options.vectorise;
        let sig = signature(self.module, form);
        let name = match form {
            Form::Elements => format!("numjet_stage{index}"),
            Form::Leaves(_) => format!("numjet_stage{index}_fold"),
        };
        let func = self.module.declare_function(&name, Linkage::Local, &sig).map_err(|e| e.to_string())?;
        // The field is public: keep whatever it holds to a sane factor.
        let f = Function {
            p,
            plan,
            stage,
            func,
            name: &name,
            unroll: options.unroll.clamp(1, 4),
            listings: options.listings,
            form,
            level: options.level,
        };
        if let (Form::Elements, Some(bl)) = (form, &stage.blocked) {
            // Vectorised if every phase's loop is.
            let vectors = vectorise && bl.phases.iter().all(|ph| ph.vector.is_some());
            let shape = stage.blocked.as_ref().and_then(|bl| bl.phases.iter().find_map(|ph| ph.vector));
            if vectorise {
                match self.define(&f, shape.filter(|_| vectorise)) {
                    Ok(mut code) => {
                        code.vectorised = vectors;
                        return Ok(code);
                    }
                    Err(e) => {
                        let mut code = self.define(&f, None)?;
                        code.vector_error = Some(e);
                        return Ok(code);
                    }
                }
            }
            return self.define(&f, None);
        }
        if let Form::Leaves(_) = form {
            let v = stage.vector.ok_or("internal error: a fused reduction in a stage that does not vectorise")?;
            return self.define(&f, Some(v));
        }
        if let Some(v) = stage.vector.filter(|_| vectorise) {
            // A vector instruction the host backend cannot lower is an error
            // from `define_function`, not a panic: fall back to scalar code.
            match self.define(&f, Some(v)) {
                Ok(code) => return Ok(code),
                Err(e) => {
                    let mut code = self.define(&f, None)?;
                    code.vector_error = Some(e);
                    return Ok(code);
                }
            }
        }
        self.define(&f, None)
    }

    fn define(&mut self, f: &Function<'_>, vector: Option<VectorShape>) -> Result<StageCode, String> {
        let (module, ctx) = (&mut *self.module, &mut self.ctx);
        module.clear_context(ctx);
        let ptr = module.target_config().pointer_type();
        ctx.func.signature = signature(module, f.form);
        ctx.func.name = UserFuncName::testcase(f.name);
        let sc = &mut self.scratch;
        for t in [&mut sc.vals, &mut sc.vvals, &mut sc.scratch] {
            t.resize(f.p.nodes().len(), None);
        }
        sc.bases.resize(f.plan.nptrs, None);
        let built = {
            let b = FunctionBuilder::new(&mut ctx.func, &mut self.fctx);
            let frontend = module.target_config();
            let mut l = Lowerer {
                b,
                module,
                p: f.p,
                plan: f.plan,
                mode: Mode::Scalar,
                vals: std::mem::take(&mut sc.vals),
                vvals: std::mem::take(&mut sc.vvals),
                scratch: std::mem::take(&mut sc.scratch),
                bases: std::mem::take(&mut sc.bases),
                funcs: HashMap::new(),
                err: Variable::from_u32(0),
                ptr,
                i: None,
                off: 0,
                scalars: None,
                root_hi: Vec::new(),
            };
            let r = match (f.form, vector, &f.stage.blocked) {
                // A blocked stage: `vector` only says whether its phases
                // may vectorise.
                (Form::Elements, v, Some(bl)) => l.build_blocked(f.stage, bl, v.is_some(), f.unroll, f.level),
                (Form::Elements, _, None) => l.build(f.stage, vector, f.unroll),
                (Form::Leaves(fold), Some(v), _) => l.build_leaves(f.stage, v, fold, f.unroll),
                (Form::Leaves(_), None, _) => Err("internal error: a fused reduction without the vector loop".into()),
            };
            if r.is_ok() {
                l.b.finalize(frontend);
            }
            // Only the stage's nodes and pointers were set.
            for &id in &f.stage.nodes {
                l.vals[id.index()] = None;
                l.vvals[id.index()] = None;
                l.scratch[id.index()] = None;
                if let Some(k) = f.plan.ptr[id.index()] {
                    l.bases[k as usize] = None;
                }
            }
            (sc.vals, sc.vvals, sc.scratch, sc.bases) = (l.vals, l.vvals, l.scratch, l.bases);
            r
        };
        if let Err(e) = built {
            // The half-built function left state in the builder context.
            self.fctx = FunctionBuilderContext::new();
            return Err(e);
        }
        // Listings cost a good part of a compile: only when asked for.
        let clif = if f.listings { ctx.func.display().to_string() } else { String::new() };
        // A byte-level listing decodes the code buffer: no VCode text needed.
        ctx.set_disasm(f.listings && !crate::jit::BYTE_LISTING);
        let r = module.define_function(f.func, ctx).map_err(|e| match e {
            cranelift_module::ModuleError::Compilation(cranelift_codegen::CodegenError::Verifier(errs)) => {
                format!("verifier: {}", cranelift_codegen::print_errors::pretty_verifier_error(&ctx.func, None, errs))
            }
            e => format!("{e:?}"),
        });
        let disasm = match ctx.compiled_code() {
            Some(c) if f.listings => machine_listing(c, &ctx.func, module.declarations()),
            _ => String::new(),
        };
        module.clear_context(ctx);
        r?;
        Ok(StageCode { func: f.func, clif, disasm, vectorised: vector.is_some(), vector_error: None })
    }
}

/// The first line of the machine-code listing of a compile (once, above
/// every stage's [`StageCode::disasm`]): what kind of listing it is.
#[cfg(all(feature = "disas", target_arch = "x86_64"))]
pub(in crate::jit) const DISASM_HEADER: &str = crate::jit::disas::HEADER;
#[cfg(not(all(feature = "disas", target_arch = "x86_64")))]
pub(in crate::jit) const DISASM_HEADER: &str = "; Cranelift VCode listing (build with feature `disas` on x86-64 for a byte-level disassembly)";

/// The machine-code listing of a compiled function, `func` its IR (for
/// the names of what it calls) and `decls` the module's declarations: a
/// byte-level disassembly (`disas.rs`).
#[cfg(all(feature = "disas", target_arch = "x86_64"))]
fn machine_listing(code: &CompiledCode, func: &cranelift_codegen::ir::Function, decls: &ModuleDeclarations) -> String {
    crate::jit::disas::listing(code, func, decls)
}

/// The machine-code listing of a compiled function: Cranelift's VCode
/// listing (after register allocation; no encodings), which `define`
/// asked for.
#[cfg(not(all(feature = "disas", target_arch = "x86_64")))]
fn machine_listing(code: &CompiledCode, _: &cranelift_codegen::ir::Function, _: &ModuleDeclarations) -> String {
    code.vcode.clone().unwrap_or_default()
}

/// What one stage's function is made of.
struct Function<'a> {
    p: &'a Program,
    plan: &'a Plan,
    stage: &'a Stage,
    func: FuncId,
    name: &'a str,
    /// Vectors per iteration of the vector main loop (1, 2 or 4).
    unroll: u32,
    /// Produce the Cranelift IR and machine-code listings.
    listings: bool,
    form: Form,
    /// The level of the math functions' block functions.
    level: crate::vmath::Level,
}
