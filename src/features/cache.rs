//! The feature cache: extracted features on disk, keyed by the clip's content hash, the plugin's
//! name, version and parameters, and the augmentation applied. A changed plugin (new version or
//! parameters) or a changed file gets a new key, so nothing stale is ever served.

use super::Features;
use crate::util::atomic::write_shared;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use xxhash_rust::xxh3::{xxh3_128, Xxh3};

const MAGIC: &[u8; 4] = b"SLF1";

/// 128-bit content hash of a file, as hex.
pub fn file_hash(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Xxh3::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(format!("{:032x}", hasher.digest128()))
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheKey {
    pub content: String,
    pub plugin: String,
    pub plugin_version: String,
    pub params: String,
    pub sample_rate: u32,
    /// "none", or a description of the augmentation (kind, parameters, seed).
    pub augmentation: String,
}

impl CacheKey {
    fn file_name(&self) -> String {
        let text = format!(
            "{}|{}|{}|{}|{}|{}",
            self.content,
            self.plugin,
            self.plugin_version,
            self.params,
            self.sample_rate,
            self.augmentation
        );
        format!("{:032x}.bin", xxh3_128(text.as_bytes()))
    }
}

#[derive(Debug, Clone)]
pub struct FeatureCache {
    root: PathBuf,
}

impl FeatureCache {
    pub fn new(root: PathBuf) -> Self {
        Self { root }
    }

    pub fn default_location() -> Self {
        Self::new(crate::config::dirs::cache_dir().join("features"))
    }

    /// Where the features go: `--cache-dir`, else `[cache] dir` of the datasets file, else
    /// `features/` in the user cache dir (`SERLAB_CACHE_DIR` moves that).
    pub fn resolve(cli: Option<&Path>, config: &crate::config::DatasetsConfig) -> Self {
        match cli.or(config.feature_cache.as_deref()) {
            Some(dir) => Self::new(dir.to_path_buf()),
            None => Self::default_location(),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path(&self, key: &CacheKey) -> PathBuf {
        let name = key.file_name();
        self.root
            .join(format!("{}-{}", key.plugin, key.plugin_version))
            .join(&name[..2])
            .join(name)
    }

    /// The cached features, if present and intact (a damaged entry is treated as absent).
    pub fn get(&self, key: &CacheKey, names: &Arc<Vec<String>>) -> Option<Features> {
        let bytes = std::fs::read(self.path(key)).ok()?;
        if bytes.len() < 12 || &bytes[..4] != MAGIC {
            return None;
        }
        let frames = u32::from_le_bytes(bytes[4..8].try_into().ok()?) as usize;
        let dims = u32::from_le_bytes(bytes[8..12].try_into().ok()?) as usize;
        if dims != names.len() || bytes.len() != 12 + 4 * frames * dims {
            return None;
        }
        let data = bytes[12..]
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        Some(Features {
            names: names.clone(),
            frames,
            data,
        })
    }

    pub fn put(&self, key: &CacheKey, features: &Features) -> std::io::Result<()> {
        let mut bytes = Vec::with_capacity(12 + 4 * features.data.len());
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&(features.frames as u32).to_le_bytes());
        bytes.extend_from_slice(&(features.dims() as u32).to_le_bytes());
        for v in &features.data {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        // Many extract processes may share one cache (sharded runs on a shared file system).
        write_shared(&self.path(key), &bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(version: &str) -> CacheKey {
        CacheKey {
            content: "abc".into(),
            plugin: "classic".into(),
            plugin_version: version.into(),
            params: String::new(),
            sample_rate: 16_000,
            augmentation: "none".into(),
        }
    }

    #[test]
    fn round_trips_and_separates_versions() {
        let dir = tempfile::tempdir().unwrap();
        let cache = FeatureCache::new(dir.path().to_path_buf());
        let names = Arc::new(vec!["a".to_string(), "b".to_string()]);
        let features = Features {
            names: names.clone(),
            frames: 2,
            data: vec![1.0, 2.0, 3.0, -4.5],
        };
        assert!(cache.get(&key("1"), &names).is_none());
        cache.put(&key("1"), &features).unwrap();
        assert_eq!(cache.get(&key("1"), &names), Some(features));
        assert!(
            cache.get(&key("2"), &names).is_none(),
            "another plugin version must miss"
        );
        let other_names = Arc::new(vec!["a".to_string()]);
        assert!(
            cache.get(&key("1"), &other_names).is_none(),
            "a changed layout must miss"
        );
    }

    #[test]
    fn content_hash_changes_with_content() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.wav");
        std::fs::write(&path, b"one").unwrap();
        let a = file_hash(&path).unwrap();
        std::fs::write(&path, b"two").unwrap();
        assert_ne!(a, file_hash(&path).unwrap());
    }
}
