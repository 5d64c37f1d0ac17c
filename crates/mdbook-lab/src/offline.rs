//! `mdbook-lab offline`: after `mdbook build`, tells the site's service worker which files to keep for offline reading.
//!
//! The installed `sw.js` carries a placeholder (`version: 'dev'`, no files): it gives the
//! pages cross-origin isolation, but keeps no offline copy, since only a finished build
//! knows its files (mdBook names its own with content hashes). This step writes the list
//! of every file of the built site, the SHA-256 of each (the worker stores a new version
//! only when every file it downloaded matches) and a version made from them into the
//! built `sw.js`, so a new build also changes `sw.js` and browsers install the new version.

use anyhow::{Context, bail};
use sha2::{Digest, Sha256};
use std::fs;
use std::path::Path;

/// The line of `sw.js` that this step rewrites.
const LINE: &str = "const SITE = ";
/// What that line holds until a built site is sealed.
const PLACEHOLDER: &str = "{ version: 'dev', files: [], sha256: [] }";

/// Bytes as lower-case hexadecimal.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes the file list and version into `site/sw.js`; returns the number of files.
///
/// # Errors
/// The site has no `sw.js` with the placeholder line (not installed, or not built), or
/// a file cannot be read or written.
pub(crate) fn seal(site: &Path) -> anyhow::Result<usize> {
    let sw_path = site.join("sw.js");
    let sw = fs::read_to_string(&sw_path).with_context(|| {
        format!(
            "reading {} (run `mdbook-lab install` and `mdbook build` first)",
            sw_path.display()
        )
    })?;
    if !sw.lines().any(|l| l.starts_with(LINE)) {
        bail!(
            "{} is not Concurrency Lab's service worker",
            sw_path.display()
        );
    }
    let mut files = Vec::new();
    list(site, "", &mut files)?;
    files.sort();
    let mut sums = Vec::with_capacity(files.len());
    let mut version = Sha256::new();
    for name in &files {
        let bytes = fs::read(site.join(name)).with_context(|| format!("reading {name}"))?;
        let sum = hex(&Sha256::digest(&bytes));
        version.update(format!("{name}\0{sum}\0"));
        sums.push(sum);
    }
    let version = &hex(&version.finalize())[..16];
    let line = format!(
        "{LINE}{{ version: '{version}', files: {}, sha256: {} }};",
        serde_json::to_string(&files)?,
        serde_json::to_string(&sums)?
    );
    let out: String = sw
        .lines()
        .map(|l| {
            if l.starts_with(LINE) {
                line.as_str()
            } else {
                l
            }
        })
        .flat_map(|l| [l, "\n"])
        .collect();
    if out != sw {
        fs::write(&sw_path, out).with_context(|| format!("writing {}", sw_path.display()))?;
    }
    Ok(files.len())
}

/// `sw` (a service worker's source) with its list back to the placeholder, which a book
/// gets: a list written for one built site names files another book does not have.
pub(crate) fn unsealed(sw: &[u8]) -> Vec<u8> {
    let Ok(text) = std::str::from_utf8(sw) else {
        return sw.to_vec();
    };
    text.split_inclusive('\n')
        .map(|l| {
            if l.starts_with(LINE) {
                let end = if l.ends_with('\n') { "\n" } else { "" };
                format!("{LINE}{PLACEHOLDER};{end}")
            } else {
                l.to_owned()
            }
        })
        .collect::<String>()
        .into_bytes()
}

/// The site's files, relative to its root, but the service worker itself, hidden files,
/// TypeScript declarations and the builds with Python and its compiler (lab/pkg-py*): only
/// a reader who runs a listing downloads those, and the worker then keeps the copy it read.
fn list(dir: &Path, prefix: &str, files: &mut Vec<String>) -> anyhow::Result<()> {
    for entry in fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.')
            || name.ends_with(".d.ts")
            || (prefix.is_empty() && name == "sw.js")
            || (prefix == "lab/" && name.starts_with("pkg-py"))
        {
            continue;
        }
        if entry.path().is_dir() {
            list(&entry.path(), &format!("{prefix}{name}/"), files)?;
        } else {
            files.push(format!("{prefix}{name}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_the_files_and_a_version_that_follows_their_contents() {
        let site = std::env::temp_dir().join(format!("mdbook-lab-seal-{}", std::process::id()));
        let _ = fs::remove_dir_all(&site);
        fs::create_dir_all(site.join("lab")).unwrap();
        fs::write(
            site.join("sw.js"),
            "// x\nconst SITE = { version: 'dev', files: [], sha256: [] };\nrest();\n",
        )
        .unwrap();
        fs::write(site.join("index.html"), "a").unwrap();
        fs::write(site.join("lab/lab.js"), "b").unwrap();
        fs::write(site.join(".nojekyll"), "").unwrap();
        // The builds with Python and the compiler are left to the readers who run a listing.
        fs::create_dir_all(site.join("lab/pkg-py-st")).unwrap();
        fs::write(site.join("lab/pkg-py-st/lab_wasm.js"), "p").unwrap();
        fs::create_dir_all(site.join("lab/pkg-pyc")).unwrap();
        fs::write(site.join("lab/pkg-pyc/lab_pyc.js"), "c").unwrap();
        assert_eq!(seal(&site).unwrap(), 2);
        let sw = fs::read_to_string(site.join("sw.js")).unwrap();
        let line = sw.lines().nth(1).unwrap();
        // SHA-256 of "a" and of "b".
        assert!(
            line.contains(r#"files: ["index.html","lab/lab.js"], sha256: ["ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb","3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d"] };"#),
            "{line}"
        );
        assert!(sw.starts_with("// x\n") && sw.ends_with("rest();\n"));
        // Sealing again changes nothing; a changed file changes the version.
        assert_eq!(seal(&site).unwrap(), 2);
        assert_eq!(fs::read_to_string(site.join("sw.js")).unwrap(), sw);
        fs::write(site.join("index.html"), "c").unwrap();
        seal(&site).unwrap();
        assert_ne!(fs::read_to_string(site.join("sw.js")).unwrap(), sw);
        fs::write(site.join("sw.js"), "other").unwrap();
        assert!(seal(&site).is_err());
        fs::remove_dir_all(&site).unwrap();
    }
}
