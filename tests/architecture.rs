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
    ("mem", 0),
    ("fmt", 0),
    ("ops", 0),
    ("npy", 0),
    ("vmath", 0),
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

/// The modules a source text names as `crate::NAME` or in a group
/// `crate::{a, b::c, ...}` (over several lines too), with their line
/// numbers, outside `//` comments.
fn crate_refs(text: &str) -> Vec<(usize, String)> {
    // Comments blanked out, line breaks kept, so offsets give lines.
    let code: String = text.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n");
    let ident = |s: &str| -> String { s.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect() };
    let line_of = |at: usize| code[..at].matches('\n').count() + 1;
    // An item of a group from `start` (in `code`): its line and first segment.
    let item = |start: usize| {
        let t = &code[start..];
        let skip = t.len() - t.trim_start().len();
        (line_of(start + skip), ident(&t[skip..]))
    };
    let mut refs = Vec::new();
    let mut from = 0;
    while let Some(found) = code[from..].find("crate::") {
        let at = from + found + "crate::".len();
        from = at;
        let rest = &code[at..];
        if let Some(group) = rest.strip_prefix('{') {
            // The first path segment of every top-level item of the group.
            let (mut depth, mut item_start) = (0usize, 0usize);
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        refs.push(item(at + 1 + item_start));
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        refs.push(item(at + 1 + item_start));
                        item_start = i + 1;
                    }
                    _ => {}
                }
            }
        } else {
            refs.push((line_of(at), ident(rest)));
        }
    }
    refs.retain(|(_, name)| !name.is_empty());
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
    // inline or in a `use`, a sibling (`interp`), and a later stage in a
    // grouped `use` over several lines, are reported; a comment is not.
    let dir = std::env::temp_dir().join(format!("numjet-arch-{}", std::process::id()));
    let jit = dir.join("jit");
    std::fs::create_dir_all(&jit).unwrap();
    std::fs::write(
        jit.join("mod.rs"),
        "// crate::engine in a comment is fine\nuse crate::ir::Program;\nuse crate::exec::run;\nfn f() { crate::interp::run(); }\nuse crate::{\n    dtype::DType,\n    engine,\n};\n",
    )
    .unwrap();
    let bad = violations(&dir);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(bad.len(), 3, "{bad:?}");
    assert!(bad[0].contains("mod.rs:3") && bad[0].contains("crate::exec"), "{bad:?}");
    assert!(bad[1].contains("mod.rs:4") && bad[1].contains("crate::interp"), "{bad:?}");
    assert!(bad[2].contains("mod.rs:7") && bad[2].contains("crate::engine"), "{bad:?}");
}

#[test]
fn architecture_md_names_every_module() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let map = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    for (module, _) in LAYERS {
        assert!(map.contains(&format!("`{module}`")), "ARCHITECTURE.md does not mention `{module}`");
    }
}
