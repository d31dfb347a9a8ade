//! Exit codes: one enum, one meaning each, documented in the README and `--help`.

/// How a flowrun command ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Every image and expectation passed (or the command did what it was asked).
    Ok,
    /// Some image or expectation failed (the other images are still done and written), or an
    /// output — standard output included — could not be written.
    Failed,
    /// The workflow or the command line is invalid, or another run holds the workflow's lock:
    /// nothing was computed or written.
    Usage,
    /// Interrupted by a signal (SIGINT, SIGTERM or SIGHUP).
    Interrupted,
    /// A fault of the machine, not of the workflow or the images, worth a retry elsewhere or
    /// later (`EX_TEMPFAIL` of sysexits): a shard's output folder or records cannot be written
    /// (disk full, read-only, permission), or its records are locked by a live process.
    Retry,
}

impl Exit {
    /// The process exit status.
    pub fn code(self) -> u8 {
        match self {
            Exit::Ok => 0,
            Exit::Failed => 1,
            Exit::Usage => 2,
            Exit::Interrupted => 130,
            Exit::Retry => 75,
        }
    }

    /// The worse of two outcomes (interruption over usage over retry over failure over success).
    pub fn max(self, other: Exit) -> Exit {
        let rank = |e: Exit| match e {
            Exit::Ok => 0,
            Exit::Failed => 1,
            Exit::Retry => 2,
            Exit::Usage => 3,
            Exit::Interrupted => 4,
        };
        if rank(other) > rank(self) {
            other
        } else {
            self
        }
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(e: Exit) -> Self {
        std::process::ExitCode::from(e.code())
    }
}
