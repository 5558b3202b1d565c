//! What the source front ends (`fortran`, `csource`) share: finding the
//! LLVM tools they run, running them, the preprocessor options both
//! accept, and the MLIR context they read the tools' output in.

use crate::error::{Error, Result};
use melior::{
    Context,
    dialect::DialectRegistry,
    utility::{register_all_dialects, register_all_passes},
};
use parking_lot::Mutex;
use std::{
    io::Write,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    sync::Arc,
};

/// Tool `name` of the LLVM zad was built against (`bin/<name>` of its
/// prefix), or the path in the environment variable `override_var` where
/// one is given and set; `package` is the Debian package that installs it,
/// named when it is missing.
pub fn llvm_tool(name: &str, override_var: Option<&str>, package: &str, language: &str) -> Result<PathBuf> {
    let path = match override_var.and_then(std::env::var_os) {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => Path::new(env!("ZAD_LLVM_PREFIX")).join("bin").join(name),
    };
    if path.exists() {
        return Ok(path);
    }
    Err(Error::Unsupported(format!(
        "zad reads {language} with {name}, which is not installed ({} does not exist): install the Debian package \
         {package} (apt-get install {package})",
        path.display()
    )))
}

/// Runs `command` (a tool reading `source`), feeding it `input` on its
/// standard input where given: its standard output, or its error output
/// as a `Parse` error.
pub fn run_tool(mut command: Command, input: Option<Vec<u8>>, source: &Path) -> Result<Vec<u8>> {
    let tool = Path::new(command.get_program()).display().to_string();
    let cannot_run = |error: std::io::Error| Error::Io(format!("cannot run {tool}: {error}"));
    command.stdin(if input.is_some() { Stdio::piped() } else { Stdio::null() });
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().map_err(cannot_run)?;
    // Written from a thread of its own: a tool may fill its output pipe
    // before it has read all of its input.
    let writer = input.zip(child.stdin.take()).map(|(input, mut stdin)| std::thread::spawn(move || stdin.write_all(&input)));
    let output = child.wait_with_output().map_err(cannot_run)?;
    if let Some(writer) = writer {
        // A tool that failed may have stopped reading (a broken pipe): its
        // own message below says why.
        let _ = writer.join();
    }
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let message = stderr.trim();
        return Err(Error::Parse(if message.is_empty() {
            format!("{}: {tool} failed ({})", source.display(), output.status)
        } else {
            message.to_string()
        }));
    }
    Ok(output.stdout)
}

/// The preprocessor options both front ends accept: `-I DIR`,
/// `-D NAME[=VALUE]` and `-U NAME`, the value attached or the next word.
/// `None` where `word` is none of them; the tool's two arguments where it
/// is; an error (naming `language`'s options) where its value is missing.
pub fn preprocessor_option<'a>(
    word: &str,
    words: &mut impl Iterator<Item = &'a str>,
    language: &str,
) -> Option<Result<[String; 2]>> {
    let flag = ["-I", "-D", "-U"].into_iter().find(|flag| word.starts_with(flag))?;
    let value = match &word[flag.len()..] {
        "" => match words.next() {
            Some(value) => value,
            None => return Some(Err(Error::InvalidArgument(format!("{language} options: {word} needs a value")))),
        },
        attached => attached,
    };
    Some(Ok([flag.to_string(), value.to_string()]))
}

/// An MLIR context with every dialect and pass registered, in which a
/// front end reads what its tool printed, and the diagnostics it gives
/// (`file:line:col: message`).
pub struct Reader {
    pub context: Context,
    diagnostics: Arc<Mutex<Vec<String>>>,
}

impl Reader {
    pub fn new() -> Reader {
        register_all_passes();
        let registry = DialectRegistry::new();
        register_all_dialects(&registry);
        let context = Context::new_with_registry(&registry, false);
        context.load_all_available_dialects();
        let diagnostics = Arc::new(Mutex::new(Vec::<String>::new()));
        let sink = diagnostics.clone();
        context.attach_diagnostic_handler(move |diagnostic| {
            let location = crate::context::describe_location(diagnostic.location(), "");
            sink.lock().push(format!("{location}: {diagnostic}"));
            true
        });
        Reader { context, diagnostics }
    }

    /// The diagnostics since the last call, one a line.
    pub fn take_diagnostics(&self) -> String {
        std::mem::take(&mut *self.diagnostics.lock()).join("\n")
    }
}
