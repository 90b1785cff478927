//! The one-way dependency rule of `ARCHITECTURE.md`, checked by reading
//! the sources: a module of the library may name (`crate::NAME`, in `use`
//! lines or inline paths, outside comments) only modules of its own layer
//! of shared foundations or of earlier stages, never a later stage or a
//! sibling. Every module must be in the table below and in
//! `ARCHITECTURE.md`, so a new one is placed on purpose.

use std::path::{Path, PathBuf};

/// The library's top-level modules and their layer: a module may depend on
/// modules of a smaller layer, and on modules of its own layer only in the
/// foundation (layer 0).
const LAYERS: &[(&str, u32)] = &[
    // Foundations every stage uses: dtypes, errors, arrays, printing, the
    // op table with its reduction reference, `.npy` files.
    ("dtype", 0),
    ("error", 0),
    ("array", 0),
    ("fmt", 0),
    ("ops", 0),
    ("npy", 0),
    ("syntax", 1),
    ("ir", 2),
    ("layout", 3),
    ("interp", 4),
    ("jit", 4),
    ("exec", 5),
    ("engine", 6),
    ("ndarray", 7),
];

fn layer(module: &str) -> Option<u32> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file of `src/` belongs to (`None`: the crate
/// roots and the binary's command line, which use the public API).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel.components().next()?.as_os_str().to_str()?.to_string();
    let name = first.strip_suffix(".rs").unwrap_or(&first).to_string();
    (!matches!(name.as_str(), "lib" | "main" | "cli")).then_some(name)
}

/// The modules a source text names as `crate::NAME`, with their line
/// numbers, outside `//` comments.
fn crate_refs(text: &str) -> Vec<(usize, String)> {
    let mut refs = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            if !name.is_empty() {
                refs.push((i + 1, name));
            }
        }
    }
    refs
}

/// Items the crate root re-exports, which a `crate::` path may name
/// directly: they belong to the module that defines them.
fn root_item(name: &str) -> Option<&'static str> {
    match name {
        "Array" | "ArrayData" | "ArrayMut" | "ArrayRef" | "Input" | "View" => Some("array"),
        "DType" | "Scalar" => Some("dtype"),
        "Backend" | "Config" | "Engine" | "Kernel" | "evaluate" => Some("engine"),
        "Error" | "Span" => Some("error"),
        "Shape" | "Signature" => Some("ir"),
        _ => None,
    }
}

fn violations(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.sort();
    let mut bad = Vec::new();
    for file in &files {
        let Some(module) = module_of(src, file) else { continue };
        let Some(own) = layer(&module) else {
            bad.push(format!("{}: module `{module}` is not in the layer table", file.display()));
            continue;
        };
        let text = std::fs::read_to_string(file).unwrap();
        for (line, name) in crate_refs(&text) {
            let target = root_item(&name).map_or(name.clone(), str::to_string);
            if target == module {
                continue;
            }
            match layer(&target) {
                Some(l) if l < own || (l == own && own == 0) => {}
                Some(l) => bad.push(format!(
                    "{}:{line}: `{module}` (layer {own}) uses `crate::{name}` (`{target}`, layer {l})",
                    file.display()
                )),
                None => bad.push(format!("{}:{line}: `crate::{name}` is not a known module", file.display())),
            }
        }
    }
    bad
}

#[test]
fn dependencies_point_one_way() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let bad = violations(&src);
    assert!(bad.is_empty(), "dependencies against the pipeline's direction:\n{}", bad.join("\n"));
}

#[test]
fn the_scan_sees_a_backward_dependency() {
    // The scan itself must be able to fail: a `jit` file naming `exec`,
    // inline or in a `use`, and a sibling (`interp`), are reported; a
    // comment is not.
    let dir = std::env::temp_dir().join(format!("numjet-arch-{}", std::process::id()));
    let jit = dir.join("jit");
    std::fs::create_dir_all(&jit).unwrap();
    std::fs::write(
        jit.join("mod.rs"),
        "// crate::engine in a comment is fine\nuse crate::ir::Program;\nuse crate::exec::run;\nfn f() { crate::interp::run(); }\n",
    )
    .unwrap();
    let bad = violations(&dir);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(bad.len(), 2, "{bad:?}");
    assert!(bad[0].contains("mod.rs:3") && bad[0].contains("crate::exec"), "{bad:?}");
    assert!(bad[1].contains("mod.rs:4") && bad[1].contains("crate::interp"), "{bad:?}");
}

#[test]
fn architecture_md_names_every_module() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let map = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    for (module, _) in LAYERS {
        assert!(map.contains(&format!("`{module}`")), "ARCHITECTURE.md does not mention `{module}`");
    }
}
