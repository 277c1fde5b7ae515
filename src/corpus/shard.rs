//! Splitting a catalog between independent processes (machines of a cluster, tasks of an array
//! job): clip by clip, by a hash of its corpus and corpus-relative path. Every process computes
//! the same split, whatever its machine or the order its file system lists folders in, so N of
//! them with the same datasets file cover every clip exactly once.

use super::Clip;
use xxhash_rust::xxh3::xxh3_64;

/// Shard `index` of `count` (1-based, as `--shard 3/8` and array job indices say it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let bad = || format!("`{text}` is not a shard I/N with 1 <= I <= N, e.g. 3/8");
        let (i, n) = text.split_once('/').ok_or_else(bad)?;
        let (index, count): (u32, u32) = (
            i.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if count == 0 || index == 0 || index > count {
            return Err(bad());
        }
        Ok(Self { index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    pub fn contains(&self, clip: &Clip) -> bool {
        let key = format!(
            "{}:{}",
            clip.corpus.as_str(),
            clip.relative.replace('\\', "/")
        );
        xxh3_64(key.as_bytes()) % u64::from(self.count) == u64::from(self.index - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::{CorpusKind, Emotion, Gender, Intensity};

    fn clip(relative: &str) -> Clip {
        Clip {
            corpus: CorpusKind::Ravdess,
            path: format!("/anywhere/{relative}").into(),
            relative: relative.into(),
            speaker: "01".into(),
            gender: Gender::Male,
            emotion: Emotion::Neutral,
            intensity: Intensity::Normal,
            target: Some(0),
            sample_rate: 16_000,
            channels: 1,
            duration_s: 1.0,
            relabelled: false,
        }
    }

    #[test]
    fn shards_cover_every_clip_once_and_do_not_depend_on_where_it_lies() {
        let clips: Vec<Clip> = (0..1000)
            .map(|i| clip(&format!("Actor_{:02}/{i}.wav", i % 24)))
            .collect();
        let shards: Vec<Shard> = (1..=4).map(|i| Shard { index: i, count: 4 }).collect();
        for c in &clips {
            assert_eq!(shards.iter().filter(|s| s.contains(c)).count(), 1);
        }
        let sizes: Vec<usize> = shards
            .iter()
            .map(|s| clips.iter().filter(|c| s.contains(c)).count())
            .collect();
        assert!(sizes.iter().all(|&n| (200..=300).contains(&n)), "{sizes:?}");
        // The same clip under another root, or with Windows separators, is in the same shard.
        let mut moved = clip("Actor_03/7.wav");
        moved.path = "/elsewhere/Actor_03/7.wav".into();
        let mut windows = clip("Actor_03\\7.wav");
        windows.path = "C:\\x".into();
        for s in &shards {
            assert_eq!(s.contains(&clip("Actor_03/7.wav")), s.contains(&moved));
            assert_eq!(s.contains(&moved), s.contains(&windows));
        }
    }

    #[test]
    fn shard_texts_are_checked() {
        assert_eq!(
            "3/8".parse::<Shard>().unwrap(),
            Shard { index: 3, count: 8 }
        );
        for bad in ["0/4", "5/4", "1/0", "x/4", "3", "-1/4"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }
}
