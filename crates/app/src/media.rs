//! Where a file for elsewhere can go, for the window's pickers — a clerk picks a drive, and
//! never types a path: the removable drives mounted for the user (the folders under
//! `/media/USER` and `/run/media/USER` that are mount points, as desktop systems mount USB
//! sticks), each with its label and free space, then the user's home folder.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// A place to write a file to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// The folder.
    pub path: PathBuf,
    /// What the clerk sees: the drive's label (its folder name), or 本机主文件夹.
    pub label: String,
    /// A removable drive (a USB stick), not this PC's own disk.
    pub removable: bool,
    /// Free and total bytes, when the system says.
    pub space: Option<(u64, u64)>,
}

/// The removable drives mounted for `user`, by label, then `home` when it is a folder.
pub fn places(home: Option<&Path>, user: Option<&str>) -> Vec<Place> {
    let mounted = mount_points();
    let mut drives: Vec<Place> = user
        .into_iter()
        .flat_map(|user| [Path::new("/media").join(user), Path::new("/run/media").join(user)])
        .filter_map(|root| std::fs::read_dir(root).ok())
        .flat_map(|entries| entries.filter_map(Result::ok).map(|entry| entry.path()))
        .filter(|path| path.is_dir() && mounted.contains(path))
        .map(|path| Place {
            label: path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default(),
            space: crate::sync::disk_space(&path),
            removable: true,
            path,
        })
        .collect();
    drives.sort_by(|a, b| a.label.cmp(&b.label).then_with(|| a.path.cmp(&b.path)));
    if let Some(home) = home.filter(|home| home.is_dir()) {
        drives.push(Place {
            path: home.to_path_buf(),
            label: "本机主文件夹".to_owned(),
            removable: false,
            space: crate::sync::disk_space(home),
        });
    }
    drives
}

/// A folder one can open in the window's folder picker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folder {
    /// The folder.
    pub path: PathBuf,
    /// Its name.
    pub name: String,
}

/// The folders inside `folder`, by name, without hidden ones (a leading dot): what the
/// window's folder picker shows one level at a time, starting from a [`Place`]. A folder
/// that is gone (a stick pulled while the picker was open) or unreadable is refused as
/// missing.
pub fn subfolders(folder: &Path) -> Result<Vec<Folder>, crate::AppError> {
    let missing = |_| crate::AppError::ScanFolderMissing { folder: folder.display().to_string() };
    let mut folders: Vec<Folder> = std::fs::read_dir(folder)
        .map_err(missing)?
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_ok_and(|kind| kind.is_dir()))
        .map(|entry| Folder { name: entry.file_name().to_string_lossy().into_owned(), path: entry.path() })
        .filter(|folder| !folder.name.starts_with('.'))
        .collect();
    folders.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(folders)
}

/// A file found on a place, for a picker of files (an answer from the platform).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundFile {
    /// The file.
    pub path: PathBuf,
    /// Its name, with the folder it is in when that is not the place itself.
    pub name: String,
    /// The label of the place it is on.
    pub place: String,
    /// On a removable drive.
    pub removable: bool,
    /// Its size in bytes.
    pub bytes: u64,
    /// When it was last written, when the file system says.
    pub modified: Option<chrono::DateTime<chrono::Utc>>,
}

/// The most files [`files_ending`] lists.
pub const MAX_FOUND_FILES: usize = 200;

/// The files whose name ends in `suffix` (say `.pdb`) at the top of each place and one
/// folder down (hidden folders skipped), newest first, at most [`MAX_FOUND_FILES`]: what a
/// clerk picks from instead of typing a path. Unreadable folders are passed over.
pub fn files_ending(places: &[Place], suffix: &str) -> Vec<FoundFile> {
    let mut found = Vec::new();
    for place in places {
        let mut folders = vec![(place.path.clone(), String::new())];
        folders.extend(
            subfolders(&place.path)
                .unwrap_or_default()
                .into_iter()
                .map(|folder| (folder.path, format!("{}/", folder.name))),
        );
        for (folder, prefix) in folders {
            let Ok(entries) = std::fs::read_dir(&folder) else { continue };
            for entry in entries.filter_map(Result::ok) {
                let name = entry.file_name().to_string_lossy().into_owned();
                let Ok(metadata) = entry.metadata() else { continue };
                if !metadata.is_file() || !name.to_lowercase().ends_with(suffix) {
                    continue;
                }
                found.push(FoundFile {
                    path: entry.path(),
                    name: format!("{prefix}{name}"),
                    place: place.label.clone(),
                    removable: place.removable,
                    bytes: metadata.len(),
                    modified: metadata.modified().ok().map(chrono::DateTime::<chrono::Utc>::from),
                });
            }
        }
    }
    found.sort_by(|a, b| b.modified.cmp(&a.modified).then_with(|| a.path.cmp(&b.path)));
    found.truncate(MAX_FOUND_FILES);
    found
}

/// True when `folder` is where a USB stick was mounted for a user (`/media/USER/…` or
/// `/run/media/USER/…`) but no drive is mounted there now: the stick was pulled and the
/// empty folder left behind. Writing there would put the file on this PC's own disk while
/// the clerk believes it is on the stick.
pub fn stick_gone(folder: &Path) -> bool {
    let depth = if folder.starts_with("/media") {
        3
    } else if folder.starts_with("/run/media") {
        4
    } else {
        return false;
    };
    let mounted = mount_points();
    !folder
        .ancestors()
        .filter(|ancestor| ancestor.components().count() >= depth)
        .any(|ancestor| mounted.contains(ancestor))
}

/// The mount points of this process's view of the system (`/proc/self/mountinfo`'s fifth
/// field, with the kernel's octal escapes for spaces and the like undone); empty where
/// there is no such file.
fn mount_points() -> HashSet<PathBuf> {
    let Ok(text) = std::fs::read_to_string("/proc/self/mountinfo") else {
        return HashSet::new();
    };
    text.lines()
        .filter_map(|line| line.split(' ').nth(4))
        .map(|field| PathBuf::from(unescape(field)))
        .collect()
}

/// `\040` → space, and the other three-digit octal escapes of mountinfo.
fn unescape(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'\\'
            && index + 3 < bytes.len()
            && let Ok(value) = u8::from_str_radix(&field[index + 1..index + 4], 8)
        {
            out.push(value);
            index += 4;
        } else {
            out.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_found_at_the_top_of_a_place_and_one_folder_down() {
        let home = tempfile::tempdir().expect("temporary directory");
        let write = |name: &str| std::fs::write(home.path().join(name), b"x").expect("write");
        for folder in ["回执", ".hidden", "回执/更深"] {
            std::fs::create_dir(home.path().join(folder)).expect("folder");
        }
        write("answer.PDB");
        write("回执/answer-2.pdb");
        write("回执/更深/too-deep.pdb");
        write(".hidden/hidden.pdb");
        write("notes.txt");
        let places = places(Some(home.path()), None);
        let mut names: Vec<String> =
            files_ending(&places, ".pdb").into_iter().map(|file| file.name).collect();
        names.sort();
        assert_eq!(names, ["answer.PDB", "回执/answer-2.pdb"]);
        let folders = subfolders(home.path()).expect("listed");
        assert_eq!(folders.iter().map(|folder| folder.name.as_str()).collect::<Vec<_>>(), ["回执"]);
        assert!(subfolders(&home.path().join("gone")).is_err());
    }

    #[test]
    fn mountinfo_escapes_are_undone() {
        assert_eq!(unescape(r"/media/clerk/MY\040STICK"), "/media/clerk/MY STICK");
        assert_eq!(unescape("/media/clerk/KINGSTON"), "/media/clerk/KINGSTON");
        assert_eq!(unescape(r"/a\134b"), r"/a\b");
    }

    #[test]
    fn a_folder_outside_the_media_roots_is_never_a_pulled_stick() {
        assert!(!stick_gone(Path::new("/tmp")));
        assert!(!stick_gone(Path::new("/home/clerk")));
        assert!(stick_gone(Path::new("/media/no-such-user/GONE")), "nothing is mounted there");
        assert!(stick_gone(Path::new("/run/media/no-such-user/GONE/sub")));
    }

    #[test]
    fn the_root_is_a_mount_point_and_a_plain_folder_is_not_a_drive() {
        assert!(mount_points().contains(Path::new("/")));
        let home = tempfile::tempdir().expect("temporary directory");
        let places = places(Some(home.path()), Some("no-such-user-here"));
        assert_eq!(places.len(), 1);
        assert_eq!((places[0].label.as_str(), places[0].removable), ("本机主文件夹", false));
    }
}
