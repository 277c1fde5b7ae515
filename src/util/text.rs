//! Small text helpers: which known names are closest to one the user typed, CSV fields.

/// Levenshtein distance in characters (insertions, deletions, substitutions).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// The `n` candidates closest to `typed`, closest first (ties in the candidates' order).
pub fn closest<'a>(
    typed: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    n: usize,
) -> Vec<&'a str> {
    let mut scored: Vec<(usize, usize, &str)> = candidates
        .into_iter()
        .enumerate()
        .map(|(i, c)| (edit_distance(typed, c), i, c))
        .collect();
    scored.sort();
    scored.into_iter().take(n).map(|(_, _, c)| c).collect()
}

/// A CSV field, quoted when it holds a separator, a quote or a line break.
pub fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_count_edits() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(edit_distance("Actor_13/x.wav", "Actor_13/x.wav"), 0);
        assert_eq!(edit_distance("ünï", "uni"), 2, "characters, not bytes");
    }

    #[test]
    fn the_closest_come_first() {
        let names = [
            "Actor_01/03-01-05-01-01-01-01.wav",
            "Actor_01/03-01-05-01-01-02-01.wav",
            "Actor_02/03-01-01-01-01-01-02.wav",
        ];
        assert_eq!(
            closest("Actor_01/03-01-05-01-01-01-0.wav", names, 2),
            vec![names[0], names[1]]
        );
        assert!(closest("x", std::iter::empty(), 3).is_empty());
    }
}
