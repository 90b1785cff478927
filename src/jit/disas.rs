//! A byte-level disassembly of a compiled stage (feature `disas`, x86-64
//! only), for [`super::JitKernel::disasm`].
//!
//! Decodes the bytes Cranelift emitted for the function (its code buffer,
//! before relocation, so no `unsafe` and no access to the finalised
//! memory) with iced-x86 and prints one line per instruction: offset,
//! encoding, Intel syntax. Relocations are named after the module's
//! declarations (a helper call's `mov r, imm64` gets `; numjet_sin_f64`,
//! its immediate still 0 in the buffer), Cranelift's blocks get `.Ln:`
//! labels and the branches to them use those labels.
//!
//! What the listing assumes of Cranelift's x86-64 output, none of it
//! needed for memory safety (a wrong guess only makes the listing less
//! pretty): instructions are contiguous from offset 0 (no jump tables
//! inline: stages have no `br_table`), and the constant pool comes after
//! the last instruction, aligned with zero bytes. Anything at or after the
//! first constant a RIP-relative operand refers to, and zero padding just
//! before it, is shown as data rather than decoded.

use std::fmt::Write;

use cranelift_codegen::ir::{ExternalName, Function};
use cranelift_codegen::{CompiledCode, FinalizedRelocTarget};
use cranelift_module::{FuncId, ModuleDeclarations};
use iced_x86::{Decoder, DecoderOptions, Formatter, Instruction, IntelFormatter, OpKind, SymbolResolver, SymbolResult};

/// The first line of every listing: what its columns are.
pub(super) const HEADER: &str =
    "; x86-64 machine code: offset, bytes, Intel syntax; `.Ln:` labels Cranelift's blocks in code order (not CLIF's block numbers)";

/// The listing of one compiled function: `func` is the function it was
/// compiled from (for the names its relocations refer to), `decls` the
/// module's declarations (for the symbols of imported functions).
///
/// Block labels need the `machine_code_cfg_info` flag on the ISA; without
/// it there are none.
pub(super) fn listing(code: &CompiledCode, func: &Function, decls: &ModuleDeclarations) -> String {
    let relocs: Vec<(u32, String)> =
        code.buffer.relocs().iter().map(|r| (r.offset, reloc_name(&r.target, r.addend, func, decls))).collect();
    disassemble(code.code_buffer(), &code.bb_starts, &relocs)
}

/// The symbol a relocation refers to, `+addend` if there is one.
fn reloc_name(target: &FinalizedRelocTarget, addend: i64, func: &Function, decls: &ModuleDeclarations) -> String {
    let name = match target {
        // `Module::declare_func_in_func` names an imported function
        // `UserExternalName { namespace: 0, index: FuncId }`.
        FinalizedRelocTarget::ExternalName(ExternalName::User(r)) => match func.params.user_named_funcs().get(*r) {
            Some(u) if u.namespace == 0 => {
                let id = FuncId::from_u32(u.index);
                match decls.get_functions().find(|&(f, _)| f == id) {
                    Some((_, d)) => d.linkage_name(id).into_owned(),
                    None => format!("function {}", u.index),
                }
            }
            Some(u) => format!("u{}:{}", u.namespace, u.index),
            None => target.display(Some(&func.params)),
        },
        _ => target.display(Some(&func.params)),
    };
    if addend == 0 { name } else { format!("{name}{addend:+}") }
}

/// Names the branch targets that start a block. Called by the formatter
/// for every address it prints, including immediates and memory
/// displacements: only near branches are resolved.
struct Blocks {
    /// Block start offsets, ascending, and their labels.
    starts: Vec<(u64, String)>,
}

impl SymbolResolver for Blocks {
    fn symbol(&mut self, instr: &Instruction, _: u32, operand: Option<u32>, address: u64, _: u32) -> Option<SymbolResult<'_>> {
        let op = operand?;
        if !matches!(instr.op_kind(op), OpKind::NearBranch16 | OpKind::NearBranch32 | OpKind::NearBranch64) {
            return None;
        }
        let k = self.starts.binary_search_by_key(&address, |&(a, _)| a).ok()?;
        Some(SymbolResult::with_str(address, &self.starts[k].1))
    }
}

/// Encodings longer than this push the instruction text to the right.
const HEX_COLUMN_BYTES: usize = 10;

/// The listing of machine code `code` (offset 0 = first byte) with blocks
/// starting at `blocks` and relocations at `(offset, symbol)`.
fn disassemble(code: &[u8], blocks: &[u32], relocs: &[(u32, String)]) -> String {
    let mut starts: Vec<u64> = blocks.iter().map(|&b| u64::from(b)).collect();
    starts.sort_unstable();
    starts.dedup();
    let labels: Vec<(u64, String)> = starts.iter().enumerate().map(|(n, &a)| (a, format!(".L{n}"))).collect();

    let mut fmt = IntelFormatter::with_options(Some(Box::new(Blocks { starts: labels.clone() })), None);
    let o = fmt.options_mut();
    o.set_hex_prefix("0x");
    o.set_hex_suffix("");
    o.set_uppercase_hex(false);
    o.set_branch_leading_zeros(false);
    o.set_show_branch_size(false);
    o.set_space_after_operand_separator(true);
    o.set_first_operand_char_index(8);

    let mut out = String::new();
    let mut used = vec![false; relocs.len()];
    // Where the constant pool starts, as far as the instructions decoded so
    // far tell (see the module docs), and where the instructions end.
    let mut pool = code.len();
    let mut end = code.len();
    let mut next_label = labels.iter().peekable();
    // The decoder's IP is the offset, so branch targets and RIP-relative
    // addresses print as offsets too. Bitness 64 cannot fail.
    let Ok(mut decoder) = Decoder::try_with_ip(64, code, 0, DecoderOptions::NONE) else {
        return "; internal error: no x86-64 decoder".into();
    };
    let mut instr = Instruction::default();
    let mut text = String::new();
    while decoder.can_decode() {
        let pos = decoder.position();
        if pos >= pool || code[pos..pool].iter().all(|&b| b == 0) {
            end = pos.min(pool);
            break;
        }
        while let Some((_, l)) = next_label.next_if(|&&(a, _)| a <= pos as u64) {
            let _ = writeln!(out, "{l}:");
        }
        decoder.decode_out(&mut instr);
        // iced steps over invalid bytes too; this only makes sure every
        // step advances and stays in bounds.
        let next = decoder.position().max(pos + 1).min(code.len());
        if decoder.position() != next {
            if decoder.set_position(next).is_err() {
                break;
            }
            decoder.set_ip(next as u64);
        }
        if instr.is_ip_rel_memory_operand() {
            let target = instr.ip_rel_memory_address();
            if target > pos as u64 && target < pool as u64 {
                pool = target as usize;
            }
        }
        text.clear();
        fmt.format(&instr, &mut text);
        let _ = write!(out, "  {pos:04x}  {:<w$}  {text}", hex(&code[pos..next]), w = HEX_COLUMN_BYTES * 3 - 1);
        for (i, (at, name)) in relocs.iter().enumerate() {
            if (pos..next).contains(&(*at as usize)) {
                used[i] = true;
                let _ = write!(out, "  ; {name}");
            }
        }
        let _ = writeln!(out);
    }
    // Zero padding (to the constants' alignment) is only counted.
    let pad = pool.saturating_sub(end);
    if pad > 0 {
        let _ = writeln!(out, "; zero padding: {}", bytes(pad));
    }
    let data = pool.max(end);
    if data < code.len() {
        let _ = writeln!(out, "; constants: {}", bytes(code.len() - data));
        for (k, row) in code[data..].chunks(16).enumerate() {
            let _ = writeln!(out, "  {:04x}  {}", data + 16 * k, hex(row));
        }
    }
    for ((at, name), _) in relocs.iter().zip(&used).filter(|&(_, &u)| !u) {
        let _ = writeln!(out, "; relocation at {at:04x}: {name}");
    }
    out
}

/// `n bytes`, or `1 byte`.
fn bytes(n: usize) -> String {
    if n == 1 { "1 byte".into() } else { format!("{n} bytes") }
}

/// `bytes` as space-separated lowercase hex pairs.
fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::disassemble;

    #[test]
    fn labels_relocations_and_constants() {
        // 0: mov rax, imm64 (a helper address, relocated)
        // a: jne 0x14 (a block start)
        // c: movsd xmm0, [rip+0x0e] (the constant at 0x20)
        // 14: ret
        // 15: zero padding, then the constant.
        let mut code = vec![0x48, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0];
        code.extend([0x75, 0x08]);
        code.extend([0xf2, 0x0f, 0x10, 0x05, 0x0c, 0, 0, 0]);
        code.push(0xc3);
        code.resize(0x20, 0);
        code.extend(2.0f64.to_le_bytes());
        let s = disassemble(&code, &[0, 0x14], &[(2, "numjet_sin_f64".into())]);
        let want = "\
.L0:
  0000  48 b8 00 00 00 00 00 00 00 00  mov     rax, 0  ; numjet_sin_f64
  000a  75 08                          jne     .L1
  000c  f2 0f 10 05 0c 00 00 00        movsd   xmm0, [0x20]
.L1:
  0014  c3                             ret
; zero padding: 11 bytes
; constants: 8 bytes
  0020  00 00 00 00 00 00 00 40
";
        assert_eq!(s, want);
    }

    #[test]
    fn any_bytes_decode_without_panicking() {
        // Truncated, invalid, too long (16 bytes), a label inside an
        // instruction and past the end, a relocation nowhere.
        let mut long = vec![0x66; 15];
        long.push(0x90);
        for code in [&[][..], &[0x0f], &[0xff; 40], &long, &[0, 0, 0xc3]] {
            let s = disassemble(code, &[7, 0, 0, 1, u32::MAX], &[(u32::MAX, "x".into())]);
            assert!(s.ends_with("; relocation at ffffffff: x\n"), "{s}");
        }
    }
}
