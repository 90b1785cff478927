//! The REPL through a pseudo-terminal (`rexpect`), and scripts through
//! `numjet run FILE` and a pipe.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_numjet");
/// Generous: the machine is slow and noisy.
const TIMEOUT_MS: u64 = 30_000;

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli_repl").join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// `numjet ARGS` with HOME and XDG_DATA_HOME in a scratch directory.
fn numjet(dir: &std::path::Path, args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args).env("HOME", dir.join("home")).env("XDG_DATA_HOME", dir.join("data")).env("NO_COLOR", "1");
    c
}

fn run_file(name: &str, script: &str) -> Output {
    let dir = scratch(name);
    let path = dir.join("script.nj");
    std::fs::write(&path, script).unwrap();
    numjet(&dir, &["run", path.to_str().unwrap()]).output().unwrap()
}

fn run_pipe(name: &str, script: &str) -> Output {
    let dir = scratch(name);
    let mut child = numjet(&dir, &[]).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(script.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const SCRIPT: &str = "\
# a script of REPL statements
x = arange(5)
x * 2
t = x + 1; u = t * 10
sum(u)
y = (x +
     0.5)
y
zeros(3, dtype=float32)
:threads 2
:vars
";

const SCRIPT_OUT: &str = "\
int64, shape (5,)
array([0, 2, 4, 6, 8])
np.int64(150)
float64, shape (5,)
array([0.5, 1.5, 2.5, 3.5, 4.5])
float32, shape (3,)
array([0., 0., 0.], dtype=float32)
name  dtype    shape        bytes
a     float64  (1000000,)  8.0 MB
b     float64  (1000000,)  8.0 MB
c     float64  (1000000,)  8.0 MB
t     int64    (5,)          40 B
u     int64    (5,)          40 B
x     int64    (5,)          40 B
y     float64  (5,)          40 B
";

#[test]
fn run_file_prints_results_only() {
    let out = run_file("run_ok", SCRIPT);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), SCRIPT_OUT);
    assert_eq!(text(&out.stderr), "");
}

#[test]
fn pipe_runs_like_a_script_without_prompts_or_banner() {
    let out = run_pipe("pipe_ok", SCRIPT);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), SCRIPT_OUT);
    assert_eq!(text(&out.stderr), "");
    // `numjet run -` reads standard input too.
    let dir = scratch("pipe_dash");
    let mut child = numjet(&dir, &["run", "-"]).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(b"1 + 1\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(text(&out.stdout), "np.int64(2)\n");
}

#[test]
fn asm_shows_machine_code() {
    let out = run_pipe("asm", "a = linspace(0, 1, 10)\nb = a\n:asm a + b*2\n:asm sin(a)\n");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let asm = text(&out.stdout);
    if cfg!(all(feature = "disas", target_arch = "x86_64")) {
        // Offset, bytes, Intel syntax; the helper a call goes to.
        assert!(asm.starts_with("; x86-64 machine code"), "{asm}");
        assert!(asm.contains("\n  0000  55                             push    rbp\n"), "{asm}");
        assert!(asm.lines().any(|l| l.contains("  addpd   xmm") || l.contains("  vaddpd  xmm")), "{asm}");
        assert!(asm.lines().any(|l| l.trim_end().ends_with(" c3                             ret")), "{asm}");
        // `sin` of an array: its block function, through the trampoline.
        assert!(asm.lines().any(|l| l.ends_with("; numjet_vblock_f64")), "{asm}");
    } else {
        assert!(asm.starts_with("; Cranelift VCode listing"), "{asm}");
    }
}

const BAD_SCRIPT: &str = "x = arange(3)\nx + 1\ny = x * bogus + 1\nx * 100\n";

fn check_bad_script(out: &Output) {
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "int64, shape (3,)\narray([1, 2, 3])\n");
    let err = text(&out.stderr);
    assert!(err.starts_with("error at line 3:\n"), "{err}");
    assert!(err.contains("unknown name `bogus`"), "{err}");
    assert!(err.contains("1 │ y = x * bogus + 1"), "{err}");
    assert!(err.contains("──┬──"), "{err}");
    assert!(!err.contains('\x1b'), "no colour off a terminal: {err:?}");
}

#[test]
fn the_first_error_stops_a_script_with_its_line_number() {
    check_bad_script(&run_file("run_bad", BAD_SCRIPT));
    check_bad_script(&run_pipe("pipe_bad", BAD_SCRIPT));
    // A multi-line statement names the line the error is on.
    let out = run_pipe("pipe_bad_multiline", "x = arange(3)\ny = (x +\n\n  zz)\n");
    assert!(text(&out.stderr).starts_with("error at line 4:\n"), "{}", text(&out.stderr));
    // `:quit` ends a script successfully.
    let out = run_pipe("pipe_quit", "1\n:quit\nbogus\n");
    assert!(out.status.success());
    assert_eq!(text(&out.stdout), "np.int64(1)\n");
}

#[test]
fn missing_script_file_is_an_error() {
    let dir = scratch("missing");
    let out = numjet(&dir, &["run", dir.join("nope.nj").to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("cannot read"));
}

#[test]
fn save_and_load_round_trip() {
    let dir = scratch("npy");
    let f = dir.join("x.npy");
    let script = format!(":save {} linspace(0, 1, 5)\n:load w {}\nw * 4\n:load bad 1\n", f.display(), f.display());
    let path = dir.join("s.nj");
    std::fs::write(&path, script).unwrap();
    let out = numjet(&dir, &["run", path.to_str().unwrap()]).output().unwrap();
    assert_eq!(text(&out.stdout), "float64, shape (5,)\narray([0., 1., 2., 3., 4.])\n");
    let err = text(&out.stderr);
    assert!(err.starts_with("error at line 4:\nerror: cannot read `1`"), "{err}");
}

#[test]
fn nd_arrays_in_scripts() {
    let dir = scratch("nd");
    let saved = dir.join("m.npy");
    // [[1, 2, 3], [4, 5, 6]] as int32, stored column-major.
    let fortran = dir.join("f.npy");
    let mut header = "{'descr': '<i4', 'fortran_order': True, 'shape': (2, 3), }".to_string();
    while !(10 + header.len() + 1).is_multiple_of(64) {
        header.push(' ');
    }
    header.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
    bytes.extend_from_slice(header.as_bytes());
    for v in [1i32, 4, 2, 5, 3, 6] {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    std::fs::write(&fortran, bytes).unwrap();
    let script = format!(
        "m = reshape(arange(6), (2, 3))\n\
         m * 10\n\
         z = zeros((2, 1), dtype=float32)\n\
         z + 1.5\n\
         sum(m, axis=0)\n\
         :save {s} m - 1\n\
         :load back {s}\n\
         back\n\
         :load f {f}\n\
         sum(f, axis=1)\n\
         all(f == m + 1)\n\
         :vars\n\
         m * 2 + a\n",
        s = saved.display(),
        f = fortran.display()
    );
    let path = dir.join("s.nj");
    std::fs::write(&path, script).unwrap();
    let out = numjet(&dir, &["run", path.to_str().unwrap()]).output().unwrap();
    let stdout = text(&out.stdout);
    let expected = "\
int64, shape (2, 3)
array([[ 0, 10, 20],
       [30, 40, 50]])
float32, shape (2, 1)
array([[1.5],
       [1.5]], dtype=float32)
int64, shape (3,)
array([3, 5, 7])
int64, shape (2, 3)
array([[-1,  0,  1],
       [ 2,  3,  4]])
int64, shape (2,)
array([6, 15])
np.True_
name  dtype    shape        bytes
a     float64  (1000000,)  8.0 MB
b     float64  (1000000,)  8.0 MB
back  int64    (2, 3)        48 B
c     float64  (1000000,)  8.0 MB
f     int32    (2, 3)        24 B
m     int64    (2, 3)        48 B
z     float32  (2, 1)         8 B
";
    assert_eq!(stdout, expected);
    let err = text(&out.stderr);
    assert!(err.starts_with("error at line 13:\n"), "{err}");
    assert!(err.contains("operands could not be broadcast together with shapes (2, 3) (1000000,)"), "{err}");
    assert!(err.contains("1 │ m * 2 + a") && err.contains("───"), "{err}");
}

#[test]
fn bad_input_never_panics() {
    let lines = [
        ":load",
        ":load x",
        ":load 9x /nonexistent.npy",
        ":load x /nonexistent.npy",
        ":load x /",
        ":save",
        ":save /nonexistent-dir/x.npy a",
        ":save only-path.npy",
        ":time",
        ":time a +",
        ":time nope(a)",
        ":ir",
        ":ir (((",
        ":clif a +",
        ":asm nope(a)",
        ":threads -1",
        ":threads many",
        ":backend gpu",
        ":del",
        ":del nope",
        ":nonsense",
        "arange(1e15)",
        "x = arange(1e15)",
        "arange(0, 1, 0)",
        "arange(inf)",
        "zeros(-5)",
        "zeros(2.5)",
        "zeros(a)",
        "ones(99999999999999999999)",
        "random(1e12)",
        "normal(10, dtype=int64)",
        "linspace(0, 1)",
        "linspace(0, 1, -1)",
        "zeros(3, dtype=complex256)",
        "zeros(3, dtype=1)",
        "zeros(3, seed=1)",
        "x = arange(3) * 2",
        "a + arange(3)",
        "1 +",
        "(",
        ")",
        "= 3",
        "a[0]",
        "\u{0}\u{7f}\u{fffd}",
        "zeros((2, -1))",
        "ones((99999, 99999, 99999))",
        "zeros((2, 3), dtype=complex256)",
        "reshape(a, (3, 3))",
        "reshape(a, (-1, -1))",
        "reshape(a)",
        "reshape(a, (2.5,))",
        "zeros((2, 3)) + 1",
        "w = (1, 2)",
        "(,)",
        "zeros((,))",
        "ones((1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33))",
    ];
    for (i, l) in lines.iter().enumerate() {
        let out = run_pipe(&format!("never_panics_{i}"), &format!("{l}\n"));
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "`{l}` should fail cleanly: {err}");
        assert!(err.starts_with("error at line 1:\n"), "`{l}`: {err}");
        assert!(!err.contains("panicked"), "`{l}`: {err}");
    }
    // Invalid UTF-8 too.
    let dir = scratch("never_panics_utf8");
    let mut child = numjet(&dir, &[]).stdin(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(b"1\n\xff\xfe\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(text(&out.stderr).starts_with("error at line 2:"), "{}", text(&out.stderr));
}

#[test]
fn help_describes_the_subcommands() {
    let dir = scratch("help");
    let out = numjet(&dir, &["--help"]).output().unwrap();
    let h = text(&out.stdout);
    for w in ["eval", "run", "bench", "REPL"] {
        assert!(h.contains(w), "{h}");
    }
    let out = numjet(&dir, &["run", "--help"]).output().unwrap();
    assert!(text(&out.stdout).contains("FILE"));
}

#[cfg(unix)]
mod pty {
    use super::*;
    use rexpect::session::{PtySession, spawn_with_options};

    fn spawn(dir: &std::path::Path, xdg: bool) -> PtySession {
        let mut c = numjet(dir, &[]);
        c.env("TERM", "xterm");
        if !xdg {
            c.env_remove("XDG_DATA_HOME");
        }
        let opts = rexpect::reader::Options::new().timeout_ms(Some(TIMEOUT_MS)).strip_ansi_escape_codes(true);
        spawn_with_options(c, opts).expect("spawn numjet in a pty")
    }

    /// rexpect turns each byte it reads into one `char`: the form a UTF-8
    /// needle takes in its output...
    fn raw(s: &str) -> String {
        s.bytes().map(char::from).collect()
    }

    /// ...and back.
    fn utf8(s: &str) -> String {
        String::from_utf8_lossy(&s.chars().map(|c| c as u32 as u8).collect::<Vec<u8>>()).into_owned()
    }

    /// Index in characters of `needle` within `line`.
    fn col(line: &str, needle: &str) -> usize {
        line[..line.find(needle).unwrap()].chars().count()
    }

    #[test]
    fn repl_session() {
        let dir = scratch("repl");
        let mut p = spawn(&dir, true);
        p.exp_string("a, b, c: 1,000,000 float64 each, uniform in [0, 1), seed 42").unwrap();
        p.exp_string(">>> ").unwrap();

        // An expression, over the demo arrays.
        p.send_line("1 + 2 * 3").unwrap();
        p.exp_string("np.int64(7)").unwrap();
        p.send_line("min(a) >= 0").unwrap();
        p.exp_string("np.True_").unwrap();

        // A binding, then using it.
        p.send_line("xylophone = arange(5)").unwrap();
        p.send_line("xylophone * 2").unwrap();
        p.exp_string("int64, shape (5,)").unwrap();
        p.exp_string("array([0, 2, 4, 6, 8])").unwrap();

        // Tab completes the variable name: `xylo + 1` alone would be an error.
        p.send("xylo").unwrap();
        p.send("\t").unwrap();
        p.flush().unwrap();
        p.exp_string("xylophone").unwrap();
        p.send_line(" + 1").unwrap();
        p.exp_string("array([1, 2, 3, 4, 5])").unwrap();

        // Multi-line input while a bracket is open.
        p.send_line("total = sum(xylophone").unwrap();
        p.send_line("  + 1)").unwrap();
        p.send_line("total").unwrap();
        p.exp_string("np.int64(15)").unwrap();

        // An error, with the caret under the offending name.
        p.send_line("xylophone + bogus").unwrap();
        p.exp_string("unknown name `bogus`").unwrap();
        let shown = utf8(&p.exp_string(&raw("╰──")).unwrap());
        let lines: Vec<&str> = shown.lines().collect();
        let src = lines.iter().position(|l| l.contains("│ xylophone + bogus")).expect("source line");
        let under = lines[src + 1];
        assert_eq!(col(under, "─"), col(lines[src], "bogus"), "{shown}");

        // Ctrl-C cancels the line, not the session.
        p.send("unfinished(").unwrap();
        p.flush().unwrap();
        p.exp_string("unfinished(").unwrap();
        p.send_control('c').unwrap();
        p.exp_string(">>> ").unwrap();
        p.send_line("6 * 7").unwrap();
        p.exp_string("np.int64(42)").unwrap();

        // :time reports positive figures.
        p.send_line(":time xylophone * 2 + 1").unwrap();
        let (_, m) = p.exp_regex(r"median [0-9.]+ ").unwrap();
        let v: f64 = m.split_whitespace().nth(1).unwrap().parse().unwrap();
        assert!(v > 0.0, "{m}");
        p.exp_string("GB/s").unwrap();

        // The compiler's stages: Cranelift IR and the machine-code listing.
        p.send_line(":clif xylophone * 2").unwrap();
        p.exp_string("function").unwrap();
        p.send_line(":asm xylophone").unwrap();
        let ret = if cfg!(all(feature = "disas", target_arch = "x86_64")) { " c3                             ret" } else { "retq" };
        p.exp_string(ret).unwrap();

        p.send_line(":quit").unwrap();
        p.exp_eof().unwrap();

        // History was written where XDG_DATA_HOME says.
        let h = std::fs::read_to_string(dir.join("data/numjet/history")).expect("history file");
        assert!(h.contains("xylophone = arange(5)"), "{h}");
    }

    #[test]
    fn history_goes_under_home_without_xdg_and_eof_ends_the_session() {
        let dir = scratch("repl_home");
        let mut p = spawn(&dir, false);
        p.exp_string(">>> ").unwrap();
        p.send_line("zz = 2").unwrap();
        p.send_line("zz + 1").unwrap();
        p.exp_string("np.int64(3)").unwrap();
        // Ctrl-D on an empty line.
        p.send_control('d').unwrap();
        p.exp_eof().unwrap();
        let h = std::fs::read_to_string(dir.join("home/.local/share/numjet/history")).expect("history file");
        assert!(h.contains("zz + 1"), "{h}");
    }
}
