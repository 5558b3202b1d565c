//! A fuzzer of zad's own, from the outside: mutations of the kernel corpus
//! (token and line edits, type and rank swaps, bound and step extremes,
//! deep nesting) run through `zad run`, `zad grad` and `zad emit` (the
//! LLVM stage, and the adjoint of the function run), each in a subprocess
//! with a timeout. Whatever the input, zad must not die of a signal, hang
//! while compiling, or say "internal error"; and an error is one line on
//! stderr.
//!
//! `make test` runs a bounded, seeded round (`bounded_round`); `make fuzz`
//! runs `long_round` for `ZAD_FUZZ_SECONDS` (default 600) from
//! `ZAD_FUZZ_SEED` (default: the time) and writes every finding's input
//! and command to `target/fuzz-findings/`.
//!
//! Findings whose cause is inside the AD transform (`src/ad`, being
//! rewritten) are listed in [`KNOWN_AD_FINDINGS`] with a minimal
//! reproducer each, so that the suite stays green while they wait; a
//! finding matching none fails the test.

use crate::support::{root, zad_cli};
use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

/// Known findings inside the AD transform: a fragment of the output that
/// identifies each, and its minimal reproducer (for the lead).
const KNOWN_AD_FINDINGS: &[(&str, &str)] = &[];

/// How long compiling may take (`emit`: well under a second; the margin is
/// for loaded machines). Not answering in time is a finding.
const COMPILE_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a kernel may run (`run`, `grad`). A mutant may loop for ever
/// on its own (a while loop whose condition no longer changes, a bound of
/// 2^62): that is the kernel's doing, not a hang of zad's, so such a run is
/// stopped and not counted. zad's own stages are timed by the `emit`
/// commands of the same mutant.
const RUN_TIMEOUT: Duration = Duration::from_secs(10);

/// A small, fast, seedable generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The kernel corpus: every MLIR file of the test and example directories.
fn corpus() -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    for dir in ["tests/kernels", "tests/gradients", "tests/checkpoint", "examples-c", "examples-fortran", "tests/abi"] {
        let Ok(entries) = std::fs::read_dir(root().join(dir)) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|ext| ext == "mlir")
                && let Ok(text) = std::fs::read_to_string(&path)
            {
                files.push((path, text));
            }
        }
    }
    files.sort();
    assert!(files.len() >= 50, "the fuzz corpus has only {} files", files.len());
    files
}

const INTEGERS: [&str; 9] =
    ["0", "-1", "1", "2147483648", "-9223372036854775808", "9223372036854775807", "1099511627776", "-7", "3"];
const FLOATS: [&str; 6] = ["0x7FF0000000000000", "0x7FF8000000000000", "0.0", "-0.0", "1.0e308", "-1.0e-310"];
const TYPE_SWAPS: [(&str, &str); 6] =
    [("f64", "f32"), ("f32", "f64"), ("index", "i64"), ("i32", "index"), ("memref<?x", "memref<?x?x"), ("memref<?x?x", "memref<?x")];
const OP_SWAPS: [(&str, &str); 8] = [
    ("arith.addf", "arith.divf"),
    ("arith.mulf", "arith.subf"),
    ("arith.addi", "arith.divsi"),
    ("arith.subi", "arith.remsi"),
    ("arith.muli", "arith.ceildivsi"),
    ("cmpi slt", "cmpi sge"),
    ("cmpf olt", "cmpf uge"),
    ("scf.for", "scf.parallel"),
];

/// One mutation of `text`, and what it did.
fn mutate(text: &str, rng: &mut Rng) -> (String, String) {
    let lines: Vec<&str> = text.lines().collect();
    let line = 1 + rng.below(lines.len().saturating_sub(1));
    let mut out: Vec<String> = lines.iter().map(|line| line.to_string()).collect();
    let what = match rng.below(8) {
        0 => {
            // An integer constant to an extreme.
            let candidates: Vec<usize> =
                (0..out.len()).filter(|&i| out[i].contains("arith.constant") && !out[i].contains(": f")).collect();
            let Some(&index) = candidates.get(rng.below(candidates.len())) else { return (text.to_string(), "none".into()) };
            let value = rng.pick(&INTEGERS);
            let replaced = replace_number(&out[index], value);
            out[index] = replaced;
            format!("line {}: integer constant -> {value}", index + 1)
        }
        1 => {
            let candidates: Vec<usize> =
                (0..out.len()).filter(|&i| out[i].contains("arith.constant") && out[i].contains(": f64")).collect();
            let Some(&index) = candidates.get(rng.below(candidates.len())) else { return (text.to_string(), "none".into()) };
            let value = rng.pick(&FLOATS);
            out[index] = replace_number(&out[index], value);
            format!("line {}: float constant -> {value}", index + 1)
        }
        2 => {
            out.remove(line.min(out.len() - 1));
            format!("line {line} deleted")
        }
        3 => {
            let copy = out[line.min(out.len() - 1)].clone();
            out.insert(line.min(out.len() - 1), copy);
            format!("line {line} duplicated")
        }
        4 => {
            let (from, to) = *rng.pick(&TYPE_SWAPS);
            let index = line.min(out.len() - 1);
            out[index] = out[index].replacen(from, to, 1);
            format!("line {}: {from} -> {to}", index + 1)
        }
        5 => {
            let (from, to) = *rng.pick(&OP_SWAPS);
            let candidates: Vec<usize> = (0..out.len()).filter(|&i| out[i].contains(from)).collect();
            let Some(&index) = candidates.get(rng.below(candidates.len())) else { return (text.to_string(), "none".into()) };
            out[index] = out[index].replacen(from, to, 1);
            format!("line {}: {from} -> {to}", index + 1)
        }
        6 => {
            // An SSA use replaced by another name of the file.
            let names: Vec<String> = text
                .split(|c: char| !(c.is_alphanumeric() || c == '%' || c == '_'))
                .filter(|word| word.starts_with('%') && word.len() > 1)
                .map(str::to_string)
                .collect();
            let index = line.min(out.len() - 1);
            let uses: Vec<String> = out[index]
                .split(|c: char| !(c.is_alphanumeric() || c == '%' || c == '_'))
                .filter(|word| word.starts_with('%') && word.len() > 1)
                .map(str::to_string)
                .collect();
            if uses.is_empty() || names.is_empty() {
                return (text.to_string(), "none".into());
            }
            let (from, to) = (rng.pick(&uses).clone(), rng.pick(&names).clone());
            out[index] = out[index].replacen(&from, &to, 1);
            format!("line {}: {from} -> {to}", index + 1)
        }
        _ => {
            // Deep nesting: a function of nested scf.if appended.
            let depth = 500 + rng.below(2500);
            out.push(nested_ifs(depth));
            format!("{depth} nested scf.if appended")
        }
    };
    (out.join("\n") + "\n", what)
}

/// `line` with the number after "arith.constant " replaced by `value`.
fn replace_number(line: &str, value: &str) -> String {
    let Some(start) = line.find("arith.constant ").map(|at| at + "arith.constant ".len()) else { return line.to_string() };
    let end = line[start..].find(' ').map_or(line.len(), |length| start + length);
    format!("{}{value}{}", &line[..start], &line[end..])
}

fn nested_ifs(depth: usize) -> String {
    let mut text = String::from("func.func @zad_fuzz_deep(%k: i32, %x: f64) -> f64 {\n%z = arith.constant 0 : i32\n");
    text.push_str("%c = arith.cmpi ne, %k, %z : i32\n");
    for level in 0..depth {
        text.push_str(&format!("%r{level} = scf.if %c -> f64 {{\n"));
    }
    text.push_str("%y = arith.mulf %x, %x : f64\n");
    for level in (0..depth).rev() {
        let inner = if level + 1 == depth { "%y".to_string() } else { format!("%r{}", level + 1) };
        text.push_str(&format!("scf.yield {inner} : f64\n}} else {{\nscf.yield %x : f64\n}}\n"));
    }
    text.push_str("return %r0 : f64\n}");
    text
}

/// A function of the text: its name, its parameter types and whether it
/// returns exactly one float (what `zad grad` differentiates).
struct Function {
    name: String,
    params: Vec<String>,
    scalar_float_result: bool,
}

fn functions(text: &str) -> Vec<Function> {
    let mut found = Vec::new();
    for line in text.lines() {
        let Some(rest) = line.trim_start().strip_prefix("func.func @") else { continue };
        let Some(open) = rest.find('(') else { continue };
        let name = rest[..open].to_string();
        let mut depth = 0;
        let mut close = None;
        for (index, character) in rest[open..].char_indices() {
            match character {
                '(' | '<' | '[' => depth += 1,
                ')' | '>' | ']' => {
                    depth -= 1;
                    if depth == 0 {
                        close = Some(open + index);
                        break;
                    }
                }
                _ => {}
            }
        }
        let Some(close) = close else { continue };
        let params = split_top_level(&rest[open + 1..close])
            .into_iter()
            .filter_map(|param| param.split_once(':').map(|(_, ty)| ty.trim().to_string()))
            .collect();
        let results = rest[close + 1..].split('{').next().unwrap_or_default().replace("attributes", "");
        let results = results.trim().trim_start_matches("->").trim().trim_matches(|c| c == '(' || c == ')').trim().to_string();
        found.push(Function { name, params, scalar_float_result: results == "f64" || results == "f32" });
    }
    found
}

fn split_top_level(text: &str) -> Vec<&str> {
    let (mut parts, mut depth, mut start) = (Vec::new(), 0i32, 0);
    for (index, character) in text.char_indices() {
        match character {
            '(' | '<' | '[' | '{' => depth += 1,
            ')' | '>' | ']' | '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[start..index]);
                start = index + 1;
            }
            _ => {}
        }
    }
    if !text[start..].trim().is_empty() {
        parts.push(&text[start..]);
    }
    parts
}

/// JSON arguments for `params`: small random values, dynamic sizes `size`.
fn arguments(params: &[String], size: usize, rng: &mut Rng) -> Option<String> {
    let values: Option<Vec<String>> = params
        .iter()
        .map(|ty| {
            let ty = ty.split(" {").next().unwrap_or(ty).trim();
            match ty {
                "f64" | "f32" => Some(format!("{:.3}", rng.below(4000) as f64 / 1000.0 - 2.0)),
                "index" | "i64" | "i32" => Some(rng.pick(&["0", "1", "2", "3", "5", "-1", "7"]).to_string()),
                _ if ty.starts_with("memref<") => {
                    let inner = ty.strip_prefix("memref<")?.split(['>', ',']).next()?;
                    let mut dims: Vec<&str> = inner.split('x').collect();
                    let element = dims.pop()?;
                    if element != "f64" && element != "f32" {
                        return None;
                    }
                    let shape: Vec<usize> =
                        dims.iter().map(|dim| if *dim == "?" { Some(size) } else { dim.parse().ok() }).collect::<Option<_>>()?;
                    if shape.iter().product::<usize>() > 100_000 {
                        return None;
                    }
                    Some(nested(&shape, rng))
                }
                _ => None,
            }
        })
        .collect();
    values.map(|values| format!("[{}]", values.join(", ")))
}

fn nested(shape: &[usize], rng: &mut Rng) -> String {
    match shape.split_first() {
        None => format!("{:.3}", rng.below(2000) as f64 / 1000.0 - 1.0),
        Some((&outer, inner)) => format!("[{}]", (0..outer).map(|_| nested(inner, rng)).collect::<Vec<_>>().join(", ")),
    }
}

/// Runs the CLI with `args`; a description of what went wrong, if anything.
/// Its output goes to files next to `scratch` (a pipe would fill up and
/// block a large `emit` while this waits).
fn check_command(args: &[String], scratch: &Path, timeout: Duration) -> Option<Result<(), String>> {
    let (out_path, err_path) = (scratch.with_extension("stdout"), scratch.with_extension("stderr"));
    let mut child = Command::new(zad_cli())
        .args(args)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).expect("stdout file"))
        .stderr(std::fs::File::create(&err_path).expect("stderr file"))
        .spawn()
        .expect("zad runs");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break Some(status);
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let stdout = std::fs::read_to_string(&out_path).unwrap_or_default();
    let stderr = std::fs::read_to_string(&err_path).unwrap_or_default();
    let _ = (std::fs::remove_file(&out_path), std::fs::remove_file(&err_path));
    // None: stopped at the timeout; Some(Ok): fine; Some(Err): a finding.
    let Some(status) = status else { return None };
    let Some(code) = status.code() else {
        return Some(Err(format!("killed by a signal ({status}): {}", last_lines(&stderr))));
    };
    if stdout.contains("internal error") || stderr.contains("internal error") {
        return Some(Err(format!("internal error: {}", last_lines(&stderr))));
    }
    if code != 0 && (stderr.trim_end().lines().count() != 1 || !stderr.starts_with("zad: error: ")) {
        return Some(Err(format!("exit {code} without a one-line error: {}", last_lines(&stderr))));
    }
    Some(Ok(()))
}

fn last_lines(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(3)..].join(" | ").chars().take(400).collect()
}

/// Fuzzes `cases` mutants from `seed` (or until `deadline`); the findings,
/// each with its reproducer written under `findings`.
fn fuzz(seed: u64, cases: usize, deadline: Option<Instant>, findings: &Path) -> (usize, Vec<String>, Vec<String>) {
    let corpus = corpus();
    let mut rng = Rng::new(seed);
    let (mut run, mut new, mut known) = (0, Vec::new(), Vec::new());
    std::fs::create_dir_all(findings).expect("findings directory");
    for case in 0..cases {
        if deadline.is_some_and(|deadline| Instant::now() > deadline) {
            break;
        }
        let (path, text) = rng.pick(&corpus);
        let (mut mutant, mut what) = mutate(text, &mut rng);
        if rng.below(3) == 0 {
            let (again, more) = mutate(&mutant, &mut rng);
            (mutant, what) = (again, format!("{what}; {more}"));
        }
        let file = findings.join(format!("case-{seed}-{case}.mlir"));
        std::fs::write(&file, &mutant).expect("mutant");
        let file_arg = file.display().to_string();
        let mut commands = vec![vec!["emit".to_string(), file_arg.clone(), "--stage".into(), "llvm".into()]];
        let size = 1 + rng.below(5);
        let mut functions = functions(&mutant);
        functions.retain(|function| function.name != "zad_fuzz_deep");
        if !functions.is_empty() {
            let function = &functions[rng.below(functions.len())];
            if let Some(json) = arguments(&function.params, size, &mut rng) {
                commands.push(vec!["run".into(), file_arg.clone(), "--fn".into(), function.name.clone(), "--args".into(), json.clone()]);
                if function.scalar_float_result {
                    commands.push(vec!["grad".into(), file_arg.clone(), "--fn".into(), function.name.clone(), "--args".into(), json]);
                    let adjoint = ["emit", &file_arg, "--stage", "adjoint", "--fn", &function.name];
                    commands.push(adjoint.iter().map(|arg| arg.to_string()).collect());
                }
            }
        }
        let mut kept = false;
        for command in commands {
            run += 1;
            let compiles_only = command[0] == "emit";
            let timeout = if compiles_only { COMPILE_TIMEOUT } else { RUN_TIMEOUT };
            let finding = match check_command(&command, &file, timeout) {
                Some(Ok(())) => continue,
                None if !compiles_only => continue,
                None => format!("no answer within {timeout:?}"),
                Some(Err(finding)) => finding,
            };
            let line = format!(
                "{finding}\n    mutation of {}: {what}\n    reproduce: zad {}",
                path.strip_prefix(root()).unwrap_or(path).display(),
                command.iter().map(|arg| if arg.contains(' ') { format!("'{arg}'") } else { arg.clone() }).collect::<Vec<_>>().join(" ")
            );
            match KNOWN_AD_FINDINGS.iter().find(|(fragment, _)| finding.contains(fragment)) {
                Some(_) => known.push(line),
                None => new.push(line),
            }
            kept = true;
        }
        if !kept {
            let _ = std::fs::remove_file(&file);
        }
    }
    (run, new, known)
}

/// The seeded round of `make test`: 40 mutants, about a minute.
#[test]
fn bounded_round() {
    let findings = std::env::temp_dir().join(format!("zad-fuzz-{}", std::process::id()));
    let (run, new, known) = fuzz(20_260_101, 40, None, &findings);
    assert!(run >= 60, "only {run} commands ran");
    assert!(new.is_empty(), "{} new finding(s) in {run} commands (inputs kept in {}):\n{}", new.len(), findings.display(), new.join("\n"));
    let _ = std::fs::remove_dir_all(&findings);
    if !known.is_empty() {
        eprintln!("{} known AD finding(s):\n{}", known.len(), known.join("\n"));
    }
}

/// `make fuzz`: as long as `ZAD_FUZZ_SECONDS` says, from `ZAD_FUZZ_SEED`.
#[test]
#[ignore = "long: run by `make fuzz`"]
fn long_round() {
    let seconds = std::env::var("ZAD_FUZZ_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(600);
    let seed = std::env::var("ZAD_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |time| time.as_secs())
    });
    let findings = root().join("target/fuzz-findings");
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let (run, new, known) = fuzz(seed, usize::MAX, Some(deadline), &findings);
    println!("seed {seed}: {run} commands in {seconds} s; {} new and {} known finding(s)", new.len(), known.len());
    for line in known.iter().chain(&new) {
        println!("{line}");
    }
    assert!(new.is_empty(), "{} new finding(s); inputs in {}", new.len(), findings.display());
}
