//! `zad`: try a kernel without writing C.
//!
//!   zad run FILE --fn NAME --args JSON    prints {"results": [...]}
//!   zad emit FILE --stage NAME            prints the IR at a stage
//!
//! Errors: exit status 1 and one line on stderr.

use clap::{Parser, Subcommand};
use std::{path::PathBuf, process::ExitCode};
use zad::{Args, Context, Module, Stage, json};

#[derive(Parser)]
#[command(name = "zad", version, about = "Automatic differentiation of MLIR kernels")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// JIT-compile a function and run it on JSON arguments.
    Run {
        /// The MLIR file.
        file: PathBuf,
        /// The function to run.
        #[arg(long = "fn")]
        function: String,
        /// A JSON array, one entry per argument: numbers for scalars,
        /// nested arrays for memrefs.
        #[arg(long, default_value = "[]")]
        args: String,
    },
    /// Print the IR at a stage of the pipeline (parsed, llvm).
    Emit {
        /// The MLIR file.
        file: PathBuf,
        /// The stage to show.
        #[arg(long, default_value = "parsed")]
        stage: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(output) => {
            println!("{output}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            let message = error.to_string();
            eprintln!("zad: error: {}", message.lines().collect::<Vec<_>>().join(" | "));
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> zad::Result<String> {
    let context = Context::new()?;
    match command {
        Command::Run { file, function, args } => {
            let module = Module::load(&context, &file)?;
            let compiled = module.function(&function)?;
            let mut inputs = json::JsonArgs::parse(compiled.signature(), &args)?;
            let mut call = Args::new();
            inputs.push_onto(&mut call)?;
            compiled.call(&mut call)?;
            let results: Vec<_> = call.results().iter().map(json::value_to_json).collect();
            Ok(serde_json::json!({ "results": results }).to_string())
        }
        Command::Emit { file, stage } => {
            let stage: Stage = stage.parse()?;
            let module = Module::load(&context, &file)?;
            module.emit(stage)
        }
    }
}
