//! `compile`: any program text against a fixed signature (every dtype, a
//! 0-d scalar and a 2-d array). Compiling returns `Ok` or `Err`, never
//! panics, and both backends agree on which, and on the error's text.

use std::sync::OnceLock;

use numjet::{Backend, Config, DType, Engine, Signature};

pub fn signature() -> Signature {
    Signature::new()
        .array("a", DType::Float64)
        .array("b", DType::Int64)
        .array("c", DType::Bool)
        .array("f", DType::Float32)
        .array("i", DType::Int32)
        .scalar("s", DType::Float64)
        .nd("m", DType::Int32, 2)
}

fn engines() -> &'static (Engine, Engine, Signature) {
    static E: OnceLock<(Engine, Engine, Signature)> = OnceLock::new();
    E.get_or_init(|| {
        let jit = Engine::new(Config::default().backend(Backend::Jit).threads(1).cache_capacity(0));
        let interp = Engine::new(Config::default().backend(Backend::Interp).threads(1).cache_capacity(0));
        (jit, interp, signature())
    })
}

pub fn check(data: &[u8]) {
    let Ok(src) = std::str::from_utf8(data) else { return };
    let (jit, interp, sig) = engines();
    let j = jit.compile_uncached(src, sig);
    let i = interp.compile_uncached(src, sig);
    match (&j, &i) {
        (Ok(j), Ok(i)) => {
            assert_eq!(j.dtype(), i.dtype(), "{src:?}: the backends type the result differently");
            // The listings of a compiled kernel render. Complex programs
            // run on the interpreter (the JIT does not compile them yet).
            match j.jit() {
                Some(jk) => {
                    let _ = (jk.clif_text().len(), j.program().to_string().len());
                }
                None => assert!(j.program().has_complex(), "{src:?}: a real program without a JIT kernel"),
            }
        }
        (Err(a), Err(b)) => {
            assert_eq!(a.to_string(), b.to_string(), "{src:?}: the backends reject it differently");
        }
        _ => panic!("{src:?}: the JIT gives {:?}, the interpreter {:?}", j.as_ref().map(|_| ()), i.as_ref().map(|_| ())),
    }
}
