//! GradBench's tool protocol: one JSON message per line on stdin, one JSON
//! response per message on stdout, with the message's "id".
//!
//! - "start": answered with the tool's name.
//! - "define": JIT-compiles the module's primal and derivative; answers
//!   success (with a "compile" timing for each) or failure with an error.
//! - "evaluate": runs the function on the input at least "min_runs" times
//!   and until the runs add up to "min_seconds" (both optional), and
//!   answers the output with one "evaluate" timing per run. Bad input, an
//!   unknown function or an undefined module is a failure with an error;
//!   the session goes on.
//! - anything else ("analysis", ...): answered with the id alone.
//!
//! A line that is not a JSON message with an id ends the session with an
//! error: the tool cannot answer it.

use super::evals::DefinedModule;
use crate::{Context, error::Result};
use serde_json::{Value as Json, json};
use std::{
    collections::HashMap,
    io::{BufRead, Write},
    time::Instant,
};

/// Answers the messages on `input` until it ends, compiling modules in
/// `context`. Errors: unreadable or unanswerable input, or output that
/// cannot be written.
pub fn serve(context: &Context, input: impl BufRead, mut output: impl Write) -> std::result::Result<(), String> {
    let mut session = Session { context, modules: HashMap::new() };
    for (number, line) in input.lines().enumerate() {
        let line = line.map_err(|error| format!("cannot read message {}: {error}", number + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        let message: Json = serde_json::from_str(&line)
            .map_err(|error| format!("line {}: not a JSON message ({error}): {line}", number + 1))?;
        let response = session.answer(&message).map_err(|error| format!("line {}: {error}", number + 1))?;
        writeln!(output, "{response}")
            .and_then(|()| output.flush())
            .map_err(|error| format!("cannot write a response: {error}"))?;
    }
    Ok(())
}

struct Session<'a> {
    context: &'a Context,
    modules: HashMap<String, DefinedModule>,
}

impl Session<'_> {
    fn answer(&mut self, message: &Json) -> std::result::Result<Json, String> {
        let id = message.get("id").filter(|id| id.is_number()).ok_or("the message has no numeric \"id\"")?.clone();
        let text = |name: &str| message.get(name).and_then(Json::as_str).unwrap_or_default();
        Ok(match text("kind") {
            "start" => json!({ "id": id, "tool": "zad", "config": { "version": env!("CARGO_PKG_VERSION") } }),
            "define" => match self.define(text("module")) {
                Ok(timings) => json!({ "id": id, "success": true, "timings": timings }),
                Err(error) => json!({ "id": id, "success": false, "error": error.to_string() }),
            },
            "evaluate" => {
                let input = message.get("input").unwrap_or(&Json::Null);
                match self.evaluate(text("module"), text("function"), input) {
                    Ok((output, timings)) => json!({ "id": id, "success": true, "output": output, "timings": timings }),
                    Err(error) => json!({ "id": id, "success": false, "error": error.to_string() }),
                }
            }
            _ => json!({ "id": id }),
        })
    }

    /// Compiles `name` (again if it was defined before); its compile
    /// timings.
    fn define(&mut self, name: &str) -> Result<Vec<Json>> {
        let (module, compile_ns) = DefinedModule::define(self.context, name)?;
        self.modules.insert(name.to_string(), module);
        Ok(compile_ns.iter().map(|ns| timing("compile", *ns)).collect())
    }

    fn evaluate(&self, module: &str, function: &str, input: &Json) -> Result<(Json, Vec<Json>)> {
        let module = self.modules.get(module).ok_or_else(|| {
            crate::Error::InvalidArgument(format!("module {module:?} was not defined (send \"define\" first)"))
        })?;
        let mut prepared = module.prepare(function, input)?;
        let min_runs = input.get("min_runs").and_then(Json::as_u64).unwrap_or(1).max(1);
        let min_seconds = input.get("min_seconds").and_then(Json::as_f64).unwrap_or(0.0);
        let mut timings = Vec::new();
        let mut total_seconds = 0.0;
        while (timings.len() as u64) < min_runs || total_seconds < min_seconds {
            let start = Instant::now();
            prepared.run()?;
            let elapsed = start.elapsed();
            total_seconds += elapsed.as_secs_f64();
            timings.push(timing("evaluate", elapsed.as_nanos() as u64));
        }
        Ok((prepared.output(), timings))
    }
}

fn timing(name: &str, nanoseconds: u64) -> Json {
    json!({ "name": name, "nanoseconds": nanoseconds })
}
