//! Free space where Tangkap keeps its data. A full disk stops SQLite's commits, and with
//! them the intake of updates and every step in the Mini App, so it is watched before it
//! fills: `tangkap doctor` reports it, and the owner's alerts watch the same folders with
//! the same [`Floor`].

use std::{
    io,
    path::{Path, PathBuf},
};

/// The space of one filesystem.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Space {
    /// Bytes Tangkap may still write (without the reserve kept for root).
    pub free: u64,
    /// The filesystem's size in bytes.
    pub total: u64,
    /// Which filesystem it is: two folders on one share it.
    pub filesystem: u64,
}

impl Space {
    /// The free space as a share of the size, in percent.
    pub fn free_percent(&self) -> f64 {
        if self.total == 0 {
            return 0.0;
        }
        self.free as f64 * 100.0 / self.total as f64
    }
}

/// The space of the filesystem holding `path`, or, for a path not made yet (the photo
/// folder before the first photo), of the nearest folder above it that exists.
pub fn space(path: &Path) -> io::Result<Space> {
    let existing = path
        .ancestors()
        .map(|at| {
            if at.as_os_str().is_empty() {
                Path::new(".")
            } else {
                at
            }
        })
        .find(|at| at.exists())
        .unwrap_or(Path::new("/"));
    let stat = rustix::fs::statvfs(existing)?;
    Ok(Space {
        free: stat.f_bavail.saturating_mul(stat.f_frsize),
        total: stat.f_blocks.saturating_mul(stat.f_frsize),
        filesystem: stat.f_fsid,
    })
}

/// The space of each filesystem `folders` are on, once each, with the first of the folders
/// on it; the folder whose space cannot be read, if one cannot.
pub fn filesystems(folders: Vec<PathBuf>) -> Result<Vec<(PathBuf, Space)>, (PathBuf, io::Error)> {
    let mut seen: Vec<(PathBuf, Space)> = Vec::new();
    for folder in folders {
        match space(&folder) {
            Ok(space) if seen.iter().any(|(_, s)| s.filesystem == space.filesystem) => {}
            Ok(space) => seen.push((folder, space)),
            Err(e) => return Err((folder, e)),
        }
    }
    Ok(seen)
}

/// How little free space is too little: under either bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Floor {
    /// Bytes.
    pub bytes: u64,
    /// Percent of the filesystem's size.
    pub percent: u8,
}

impl Default for Floor {
    /// At least 1 GB and at least 10 % free.
    fn default() -> Self {
        Self {
            bytes: 1_000_000_000,
            percent: 10,
        }
    }
}

impl Floor {
    pub fn is_low(&self, space: &Space) -> bool {
        space.free < self.bytes || space.free_percent() < f64::from(self.percent)
    }
}

/// `12.3 GB`: bytes as people read a disk's size (1 GB = 10⁹ bytes, as disks are sold).
pub fn in_gb(bytes: u64) -> String {
    format!("{:.1} GB", bytes as f64 / 1e9)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_not_made_yet_is_on_the_filesystem_of_the_folder_above() {
        let dir = tempfile::tempdir().unwrap();
        let here = space(dir.path()).unwrap();
        assert!(here.total > 0 && here.free <= here.total, "{here:?}");
        let later = space(&dir.path().join("photos/2025")).unwrap();
        assert_eq!(later.filesystem, here.filesystem);
        assert!(space(Path::new("relative/not/made")).is_ok());
        let once = filesystems(vec![dir.path().into(), dir.path().join("photos")]).unwrap();
        assert_eq!(once, [(dir.path().to_path_buf(), here)]);
    }

    #[test]
    fn too_little_is_under_either_bound() {
        let floor = Floor::default();
        let gb = 1_000_000_000;
        let space = |free, total| Space {
            free,
            total,
            filesystem: 1,
        };
        assert!(!floor.is_low(&space(20 * gb, 100 * gb)));
        assert!(floor.is_low(&space(9 * gb, 100 * gb)), "under 10 %");
        assert!(floor.is_low(&space(gb / 2, 2 * gb)), "under 1 GB");
        assert!(!floor.is_low(&space(10 * gb, 100 * gb)), "10 % is enough");
        assert_eq!(in_gb(12_345_678_901), "12.3 GB");
    }
}
