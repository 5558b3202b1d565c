//! `!$zad` directive comments in Fortran source.
//!
//! flang drops comments, so the directives are read from the source text
//! and tied to the DO loop that follows them, by line:
//!
//! ```fortran
//! !$zad checkpoint binomial snapshots(20)
//! do step = 1, nsteps
//! ```
//!
//! Schemes: `binomial snapshots(S)`, `binomial budget(BYTES)`, `periodic
//! interval(K)` on a counted DO loop; `online snapshots(S)` on a DO WHILE.

use crate::error::{Error, Result};

/// How a time loop is checkpointed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checkpoint {
    /// Binomial (revolve) with this many snapshots.
    Snapshots(u64),
    /// Binomial with as many snapshots as this many bytes hold.
    Budget(u64),
    /// A snapshot every this many steps.
    Periodic(u64),
    /// Online placement for DO WHILE loops, with this many snapshots.
    Online(u64),
}

impl Checkpoint {
    /// The `zad.checkpoint` attribute value and its parameter attribute.
    pub fn attributes(self) -> (&'static str, &'static str, u64) {
        match self {
            Checkpoint::Snapshots(s) => ("binomial", "zad.snapshots", s),
            Checkpoint::Budget(b) => ("binomial", "zad.budget", b),
            Checkpoint::Periodic(k) => ("periodic", "zad.interval", k),
            Checkpoint::Online(s) => ("online", "zad.snapshots", s),
        }
    }
}

/// A directive and the loop it applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoopDirective {
    /// The line of the directive (1-based).
    pub line: usize,
    /// The line of the DO statement it applies to.
    pub loop_line: usize,
    pub checkpoint: Checkpoint,
}

/// Finds every `!$zad` directive of `source` (named `file` in messages;
/// `fixed_form` for fixed-form source, where c, C and * in column 1 start
/// comments). A directive that is malformed or not followed by a DO loop
/// of the right kind is an error naming its line.
pub fn scan(source: &str, file: &str, fixed_form: bool) -> Result<Vec<LoopDirective>> {
    let lines: Vec<&str> = source.lines().collect();
    let mut directives = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let Some(body) = directive_text(line, fixed_form) else { continue };
        let at = index + 1;
        let fail = |why: String| Error::Parse(format!("{file}:{at}: error: !$zad directive: {why}"));
        let checkpoint = parse_checkpoint(body).map_err(fail)?;
        let next = lines[index + 1..]
            .iter()
            .enumerate()
            .find(|(_, line)| !is_blank_or_comment(line, fixed_form))
            .map(|(offset, line)| (index + 2 + offset, *line));
        let Some((loop_line, statement)) = next else {
            return Err(fail("it must be followed by the DO loop it applies to, but the file ends".into()));
        };
        let Some(kind) = do_statement(statement) else {
            return Err(fail(format!(
                "it must be followed by the DO loop it applies to, but line {loop_line} is not a DO statement"
            )));
        };
        match (checkpoint, kind) {
            (Checkpoint::Online(_), LoopKind::Counted) => {
                return Err(fail(format!(
                    "'online' is for DO WHILE loops (whose number of steps is known only at the end); the loop at \
                     line {loop_line} is a counted DO: use 'binomial snapshots(N)' or 'binomial budget(BYTES)'"
                )));
            }
            (Checkpoint::Snapshots(_) | Checkpoint::Budget(_) | Checkpoint::Periodic(_), LoopKind::While) => {
                return Err(fail(format!(
                    "the loop at line {loop_line} is a DO WHILE, whose number of steps is known only at the end: \
                     use 'online snapshots(N)'"
                )));
            }
            _ => {}
        }
        directives.push(LoopDirective { line: at, loop_line, checkpoint });
    }
    Ok(directives)
}

/// The text after `!$zad` (free form, any indentation) or `c$zad` /
/// `*$zad` (fixed form, column 1), if `line` is a directive.
fn directive_text(line: &str, fixed_form: bool) -> Option<&str> {
    let fixed = fixed_form
        && line.len() >= 5 && matches!(line.as_bytes()[0], b'c' | b'C' | b'*') && line[1..5].eq_ignore_ascii_case("$zad");
    let text = if fixed {
        &line[5..]
    } else {
        let trimmed = line.trim_start();
        if trimmed.len() < 5 || !trimmed[..5].eq_ignore_ascii_case("!$zad") {
            return None;
        }
        &trimmed[5..]
    };
    // `!$zadfoo` is an ordinary comment.
    (text.is_empty() || text.starts_with(char::is_whitespace)).then(|| text.trim())
}

fn parse_checkpoint(text: &str) -> std::result::Result<Checkpoint, String> {
    const USAGE: &str = "expected 'checkpoint binomial snapshots(N)', 'checkpoint binomial budget(BYTES)', \
                         'checkpoint periodic interval(K)' or 'checkpoint online snapshots(N)'";
    let lower = text.to_ascii_lowercase();
    let words: Vec<&str> = lower.split_whitespace().collect();
    let [keyword, scheme, parameter] = words.as_slice() else {
        return Err(format!("'{text}': {USAGE}"));
    };
    if *keyword != "checkpoint" {
        return Err(format!("unknown directive '{keyword}': {USAGE}"));
    }
    let (name, value) = parameter
        .strip_suffix(')')
        .and_then(|p| p.split_once('('))
        .ok_or_else(|| format!("'{parameter}': {USAGE}"))?;
    let value: u64 = value
        .trim()
        .parse()
        .ok()
        .filter(|&v| v > 0)
        .ok_or_else(|| format!("'{parameter}': the value must be a positive integer"))?;
    match (*scheme, name.trim()) {
        ("binomial", "snapshots") => Ok(Checkpoint::Snapshots(value)),
        ("binomial", "budget") => Ok(Checkpoint::Budget(value)),
        ("periodic", "interval") => Ok(Checkpoint::Periodic(value)),
        ("online", "snapshots") => Ok(Checkpoint::Online(value)),
        _ => Err(format!("'{scheme} {parameter}': {USAGE}")),
    }
}

fn is_blank_or_comment(line: &str, fixed_form: bool) -> bool {
    let trimmed = line.trim_start();
    trimmed.is_empty()
        || trimmed.starts_with('!')
        || trimmed.starts_with('#')
        || fixed_form && matches!(line.as_bytes().first(), Some(b'c' | b'C' | b'*'))
}

enum LoopKind {
    Counted,
    While,
}

/// Whether `line` is a DO statement (with an optional construct name or
/// statement label), and which kind.
fn do_statement(line: &str) -> Option<LoopKind> {
    let mut text = line.trim().to_ascii_lowercase();
    // A statement label (digits) and/or a construct name (`name:`).
    text = text.trim_start_matches(|c: char| c.is_ascii_digit()).trim_start().to_string();
    if let Some((name, rest)) = text.split_once(':')
        && !name.is_empty()
        && name.trim().chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        text = rest.trim_start().to_string();
    }
    let rest = text.strip_prefix("do")?;
    if rest.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') && !rest.starts_with("while") {
        return None;
    }
    let rest = rest.trim_start().trim_start_matches(|c: char| c.is_ascii_digit()).trim_start_matches([' ', ',']);
    // A DO without loop control runs until an EXIT, as a DO WHILE does.
    if rest.starts_with("while") || rest.trim().is_empty() { Some(LoopKind::While) } else { Some(LoopKind::Counted) }
}
