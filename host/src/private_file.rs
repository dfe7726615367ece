//! Files only their owner may read (stores, recordings: they hold HR personal data).

use std::path::Path;

/// Makes an existing regular file owner-only when group or others may read or write it (a
/// missing file, or one already private, is left alone).
pub fn tighten(file: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = match std::fs::symlink_metadata(file) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        if meta.is_file() && meta.permissions().mode() & 0o077 != 0 {
            let mode = meta.permissions().mode() & 0o700;
            std::fs::set_permissions(file, std::fs::Permissions::from_mode(mode | 0o600))?;
        }
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}
