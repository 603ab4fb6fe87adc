//! The SQLite file: created with owner-only permissions, switched to WAL once.

use std::path::Path;
use std::time::Duration;

use diesel::{Connection, SqliteConnection, connection::SimpleConnection};

use super::DbError;

use crate::config::SqliteSync;

/// Applied to every SQLite connection, pool or not. `busy_timeout` comes
/// first so that the statements after it already wait instead of failing.
/// In WAL mode `FULL` syncs the log at every commit; `NORMAL` only at
/// checkpoints, so a power loss may undo the last commits. `secure_delete`
/// overwrites what is deleted or changed with zeros, so erased personal
/// data does not survive in the file's free pages.
pub fn connection_pragmas(sync: SqliteSync) -> &'static str {
    match sync {
        SqliteSync::Full => {
            "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; \
             PRAGMA secure_delete = ON;"
        }
        SqliteSync::Normal => {
            "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; \
             PRAGMA secure_delete = ON;"
        }
    }
}

/// Creates the folder and the file (mode 0600: tickets are personal data).
pub fn ensure_file(path: &Path) -> Result<(), DbError> {
    let err = |reason: String| DbError::Open { target: format!("sqlite file {}", path.display()), reason };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| err(format!("creating folder {}: {e}", dir.display())))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        let file = options.open(path).map_err(|e| err(e.to_string()))?;
        let mode = file.metadata().map_err(|e| err(e.to_string()))?.permissions().mode();
        if mode & 0o077 != 0 {
            tracing::warn!(path = %path.display(), "database file was readable by others; restricting it to its owner");
            file.set_permissions(std::fs::Permissions::from_mode(0o600)).map_err(|e| err(e.to_string()))?;
        }
    }
    #[cfg(not(unix))]
    options.open(path).map_err(|e| err(e.to_string()))?;
    Ok(())
}

/// Opens a connection outside any pool (start-up, migrations), with the
/// per-connection pragmas (always `FULL`: these are rare) and WAL journal
/// mode. Switching a brand-new file to WAL can itself meet
/// "database is locked" when several processes start together: retry.
pub fn open(path: &Path) -> Result<SqliteConnection, DbError> {
    ensure_file(path)?;
    let target = || format!("sqlite file {}", path.display());
    let path_str =
        path.to_str().ok_or_else(|| DbError::Open { target: target(), reason: "path is not valid UTF-8".into() })?;
    let mut conn =
        SqliteConnection::establish(path_str).map_err(|e| DbError::Open { target: target(), reason: e.to_string() })?;
    conn.batch_execute(connection_pragmas(SqliteSync::Full))
        .map_err(|e| DbError::Open { target: target(), reason: e.to_string() })?;
    let mut attempt = 0;
    loop {
        match conn.batch_execute("PRAGMA journal_mode = WAL;") {
            Ok(()) => return Ok(conn),
            Err(e) if attempt < 50 && e.to_string().contains("locked") => {
                attempt += 1;
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => {
                return Err(DbError::Open { target: target(), reason: format!("enabling WAL: {e}") });
            }
        }
    }
}
