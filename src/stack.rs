//! Deep input without stack overflows.
//!
//! Deeply nested MLIR (thousands of nested regions, attributes or types)
//! recurses as deeply in MLIR's parser, verifier, printer and passes, and in
//! zad's transforms. A host thread's stack (8 MiB for a main thread, 2 MiB
//! for Rust's threads, sometimes less) overflows long before: the process
//! dies. So every step that walks a module (parse, verify, differentiate,
//! lower, compile, print, destroy) runs on a stack of zad's own, of
//! [`STACK_BYTES`] (reserved address space; only the pages used are
//! memory), on the calling thread; and text nested deeper than
//! [`MAX_NESTING`] is refused before MLIR sees it.

use crate::error::{Error, Result};
use std::cell::Cell;

/// The stack zad's MLIR work runs on. Nesting [`MAX_NESTING`] deep needs
/// well under a tenth of it.
pub const STACK_BYTES: usize = 512 << 20;

/// The deepest nesting of brackets (`(`, `[`, `{`, `<`) zad parses.
pub const MAX_NESTING: usize = 10_000;

thread_local! {
    /// Whether this thread is running on zad's stack already.
    static ON_LARGE_STACK: Cell<bool> = const { Cell::new(false) };
}

/// Runs `body` on a stack of [`STACK_BYTES`] (on this thread, so locks and
/// thread-local state behave as they would without it).
pub(crate) fn on_large_stack<T>(body: impl FnOnce() -> T) -> T {
    if ON_LARGE_STACK.with(Cell::get) {
        return body();
    }
    struct Leave;
    impl Drop for Leave {
        fn drop(&mut self) {
            ON_LARGE_STACK.with(|on| on.set(false));
        }
    }
    stacker::grow(STACK_BYTES, || {
        ON_LARGE_STACK.with(|on| on.set(true));
        let _leave = Leave;
        body()
    })
}

/// Refuses `source` if its brackets nest deeper than [`MAX_NESTING`],
/// naming the place where they do. Comments and strings are skipped; `>`
/// after `-` (an arrow) closes nothing.
pub(crate) fn check_nesting(source: &str, source_name: &str) -> Result<()> {
    let (mut depth, mut line, mut column) = (0usize, 1usize, 0usize);
    let mut characters = source.chars().peekable();
    let mut previous = '\0';
    while let Some(character) = characters.next() {
        column += 1;
        match character {
            '\n' => (line, column) = (line + 1, 0),
            '/' if characters.peek() == Some(&'/') => {
                for skipped in characters.by_ref() {
                    if skipped == '\n' {
                        (line, column) = (line + 1, 0);
                        break;
                    }
                }
            }
            '"' => {
                let mut escaped = false;
                for skipped in characters.by_ref() {
                    column += 1;
                    match skipped {
                        '\n' => (line, column) = (line + 1, 0),
                        '\\' if !escaped => {
                            escaped = true;
                            continue;
                        }
                        '"' if !escaped => break,
                        _ => {}
                    }
                    escaped = false;
                }
            }
            '(' | '[' | '{' | '<' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(Error::Unsupported(format!(
                        "{source_name}:{line}:{column}: the text nests more than {MAX_NESTING} levels deep \
                         (brackets, braces, regions); zad does not parse input this deep"
                    )));
                }
            }
            '>' if previous == '-' => {}
            ')' | ']' | '}' | '>' => depth = depth.saturating_sub(1),
            _ => {}
        }
        previous = character;
    }
    Ok(())
}
