//! One worker per SQLite file. SQLite has one writer and no `FOR UPDATE SKIP LOCKED`, so two
//! workers on the embedded default could both claim a message whose lease one of them saw
//! expire, and send it twice. `worker run` and `worker tick` therefore hold an advisory lock
//! on `<database file>.worker-lock` (the operating system's, through `File::try_lock`,
//! released when the process ends however it ends). A second `worker run` refuses to start;
//! `worker tick` waits for the running one to stop. On PostgreSQL no lock is taken: workers
//! coordinate through the database. The api never delivers the outbox, so it takes none.
use std::{
    fs::{File, OpenOptions},
    io::{Read, Seek, Write},
    path::{Path, PathBuf},
};

/// The lock file's name beside the database file `db`.
pub fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".worker-lock");
    PathBuf::from(name)
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "another worker is running on the SQLite database {db}{holder} (it holds {lock}): \
         one worker per SQLite file; stop it first, or use PostgreSQL for more than one"
    )]
    Held {
        db: String,
        lock: String,
        /// " (process 1234)", when the lock file says.
        holder: String,
    },
    #[error("cannot take the worker lock {lock} for the SQLite database {db}: {source}")]
    Io {
        db: String,
        lock: String,
        #[source]
        source: std::io::Error,
    },
}

/// The lock, held until dropped (or the process ends).
#[derive(Debug)]
pub struct WorkerLock {
    _file: File,
    pub path: PathBuf,
}

/// What to do when another worker holds the lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhenHeld {
    /// `worker run`: refuse to start.
    Refuse,
    /// `worker tick`: wait for the other to stop; `waiting` is told once, first.
    Wait,
}

/// Takes the worker lock of the SQLite database `database_url` names; `Ok(None)` on
/// PostgreSQL or an in-memory database, where none is needed.
pub async fn lock_sqlite(
    database_url: &str,
    when_held: WhenHeld,
    waiting: impl FnOnce(&str),
) -> Result<Option<WorkerLock>, LockError> {
    let Some(db) = pmf_store::db::sqlite_file(database_url) else {
        return Ok(None);
    };
    let path = lock_path(&db);
    let names = (db.display().to_string(), path.display().to_string());
    let io = |source| LockError::Io {
        db: names.0.clone(),
        lock: names.1.clone(),
        source,
    };
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(io)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let holder = holder(&mut file);
            let held = LockError::Held {
                db: names.0.clone(),
                lock: names.1.clone(),
                holder,
            };
            match when_held {
                WhenHeld::Refuse => return Err(held),
                WhenHeld::Wait => {
                    waiting(&format!("{held}: waiting for it to stop"));
                    file = tokio::task::spawn_blocking(move || file.lock().map(|()| file))
                        .await
                        .map_err(|e| io(std::io::Error::other(e)))?
                        .map_err(io)?;
                }
            }
        }
        Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
    }
    // Say who holds it, for the next one's message.
    file.set_len(0).map_err(io)?;
    file.rewind().map_err(io)?;
    writeln!(file, "{}", std::process::id()).map_err(io)?;
    Ok(Some(WorkerLock { _file: file, path }))
}

/// " (process N)" from the lock file, or nothing.
fn holder(file: &mut File) -> String {
    let mut text = String::new();
    match file.read_to_string(&mut text) {
        Ok(_) => match text.trim().parse::<u32>() {
            Ok(pid) => format!(" (process {pid})"),
            Err(_) => String::new(),
        },
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_second_lock_on_the_same_file_is_refused_naming_it() {
        let dir = std::env::temp_dir().join(format!("pmf-lock-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("pmf.db");
        let url = format!("sqlite://{}?mode=rwc", db.display());
        let first = lock_sqlite(&url, WhenHeld::Refuse, |_| {})
            .await
            .unwrap()
            .expect("a lock on SQLite");
        assert_eq!(first.path, dir.join("pmf.db.worker-lock"));
        let second = lock_sqlite(&url, WhenHeld::Refuse, |_| {})
            .await
            .unwrap_err();
        let message = second.to_string();
        assert!(
            message.contains(&db.display().to_string())
                && message.contains(&format!("process {}", std::process::id())),
            "{message}"
        );
        drop(first);
        assert!(
            lock_sqlite(&url, WhenHeld::Refuse, |_| {})
                .await
                .unwrap()
                .is_some(),
            "free again once the first is gone"
        );
        assert!(
            lock_sqlite("postgres://db.example/pmf", WhenHeld::Refuse, |_| {})
                .await
                .unwrap()
                .is_none()
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
