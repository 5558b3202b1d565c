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

/// Runs `command` (a tool reading `source`): its standard output, or its
/// error output as a `Parse` error. Tools pass each other files, not pipes:
/// a write to a pipe whose reader died raises SIGPIPE, which kills a C or
/// Fortran host that has not ignored it.
pub fn run_tool(mut command: Command, source: &Path) -> Result<Vec<u8>> {
    let tool = Path::new(command.get_program()).display().to_string();
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|error| Error::Io(format!("cannot run {tool}: {error}")))?;
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

/// A temporary directory of the front ends' own (flang's module files,
/// the C route's intermediate bitcode), removed when dropped.
pub struct ScratchDir(PathBuf);

impl ScratchDir {
    /// `what` says what the directory is for, in the error.
    pub fn new(what: &str) -> Result<ScratchDir> {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let number = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("zad-frontend-{}-{number}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .map_err(|error| Error::Io(format!("cannot create a directory for {what} ({}): {error}", dir.display())))?;
        Ok(ScratchDir(dir))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
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
