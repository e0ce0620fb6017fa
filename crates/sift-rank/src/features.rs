//! Text to sparse TF-IDF vectors: tokens, optional stems, unigrams and bigrams, sublinear term
//! frequency, smoothed inverse document frequency, rows normalised to unit length.
//!
//! The defaults follow scikit-learn's `TfidfVectorizer` as ASReview's default model (ELAS u4)
//! configures it: tokens are runs of two or more word characters, lowercased; n-grams 1-2;
//! `sublinear_tf`; terms in more than 95 % of the documents are dropped. Title and abstract are
//! joined by a space into one text, as ASReview joins them; bigrams never cross into keywords.

use std::collections::HashMap;

use rust_stemmers::{Algorithm, Stemmer};

/// One document: the fields a screener reads.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Document {
    pub title: String,
    pub abstract_text: String,
    /// Keywords or MeSH headings, one per entry (empty when the record has none).
    pub keywords: Vec<String>,
}

impl Document {
    pub fn new(title: impl Into<String>, abstract_text: impl Into<String>) -> Document {
        Document { title: title.into(), abstract_text: abstract_text.into(), keywords: Vec::new() }
    }
}

/// How text becomes features.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FeatureOptions {
    /// Add adjacent word pairs to single words.
    pub bigrams: bool,
    /// Term frequency `1 + ln(tf)` instead of `tf`.
    pub sublinear_tf: bool,
    /// Reduce words to their Porter2 (English) stems first.
    pub stem: bool,
    /// Drop terms found in fewer documents than this.
    pub min_df: usize,
    /// Drop terms found in more than this share of the documents.
    pub max_df: f64,
}

impl Default for FeatureOptions {
    fn default() -> FeatureOptions {
        FeatureOptions { bigrams: true, sublinear_tf: true, stem: false, min_df: 1, max_df: 0.95 }
    }
}

/// A sparse matrix, one row per document (compressed sparse rows). Row values are `f32`:
/// half the memory of `f64`, and plenty for unit-length TF-IDF rows.
///
/// Features found in one row only ("private" features: most bigrams) are not stored as
/// entries; each row keeps their squared length and sum instead. A private feature's weight in
/// a linear model can only ever move its own row's score, so a model never needs them for
/// other rows, and the solvers account for them exactly through these two numbers (see
/// `model.rs`). This halves the work of training and scoring with bigrams.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Matrix {
    /// Row `i` is `indices[row_start[i]..row_start[i + 1]]` with `values[..]` alike.
    row_start: Vec<usize>,
    indices: Vec<u32>,
    values: Vec<f32>,
    /// Squared length of each row, private features included.
    norm2: Vec<f64>,
    /// Squared length and sum of each row's private features.
    private_norm2: Vec<f64>,
    private_sum: Vec<f64>,
    n_features: usize,
}

impl Matrix {
    /// Builds a matrix from rows of `(feature, value)` pairs (features below `n_features`).
    pub fn from_rows(rows: &[Vec<(u32, f32)>], n_features: usize) -> Matrix {
        let mut df = vec![0u32; n_features];
        for row in rows {
            for &(j, _) in row {
                assert!((j as usize) < n_features, "feature {j} outside 0..{n_features}");
                df[j as usize] += 1;
            }
        }
        let mut m = Matrix { row_start: vec![0], n_features, ..Matrix::default() };
        for row in rows {
            let mut row = row.clone();
            row.sort_unstable_by_key(|&(j, _)| j);
            let (mut norm2, mut private_norm2, mut private_sum) = (0.0, 0.0, 0.0);
            for (j, v) in row {
                let v64 = f64::from(v);
                norm2 += v64 * v64;
                if df[j as usize] == 1 && rows.len() > 1 {
                    private_norm2 += v64 * v64;
                    private_sum += v64;
                } else {
                    m.indices.push(j);
                    m.values.push(v);
                }
            }
            m.row_start.push(m.indices.len());
            m.norm2.push(norm2);
            m.private_norm2.push(private_norm2);
            m.private_sum.push(private_sum);
        }
        m
    }

    pub fn n_rows(&self) -> usize {
        self.row_start.len() - 1
    }

    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// The stored (shared) entries of one row: feature indices and values.
    pub fn row(&self, i: usize) -> (&[u32], &[f32]) {
        let range = self.row_start[i]..self.row_start[i + 1];
        (&self.indices[range.clone()], &self.values[range])
    }

    /// Dot product of row `i`'s shared entries with a dense vector. Four running sums instead
    /// of one: a single sum waits on each addition before the next (the solvers' hot loop).
    pub fn dot(&self, i: usize, w: &[f64]) -> f64 {
        let (idx, val) = self.row(i);
        let mut sums = [0.0f64; 4];
        let (idx4, val4) = (idx.chunks_exact(4), val.chunks_exact(4));
        let (idx_rest, val_rest) = (idx4.remainder(), val4.remainder());
        for (js, vs) in idx4.zip(val4) {
            for k in 0..4 {
                sums[k] += w[js[k] as usize] * f64::from(vs[k]);
            }
        }
        let rest: f64 = idx_rest.iter().zip(val_rest).map(|(&j, &v)| w[j as usize] * f64::from(v)).sum();
        (sums[0] + sums[1]) + (sums[2] + sums[3]) + rest
    }

    /// Squared length of row `i`, private features included.
    pub fn norm2(&self, i: usize) -> f64 {
        self.norm2[i]
    }

    /// Squared length of row `i`'s private features.
    pub fn private_norm2(&self, i: usize) -> f64 {
        self.private_norm2[i]
    }

    /// Sum of row `i`'s private feature values.
    pub fn private_sum(&self, i: usize) -> f64 {
        self.private_sum[i]
    }
}

/// Splits text into lowercase tokens of two or more word characters (letters, digits, `_`),
/// like scikit-learn's default `(?u)\b\w\w+\b`.
pub fn tokenize(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut current = String::new();
    for ch in text.chars() {
        if ch.is_alphanumeric() || ch == '_' {
            current.extend(ch.to_lowercase());
        } else {
            if current.chars().count() >= 2 {
                tokens.push(std::mem::take(&mut current));
            }
            current.clear();
        }
    }
    if current.chars().count() >= 2 {
        tokens.push(current);
    }
    tokens
}

/// The terms of one document, with counts (not yet weighted).
fn terms(doc: &Document, options: &FeatureOptions, stemmer: Option<&Stemmer>) -> HashMap<String, u32> {
    let mut counts: HashMap<String, u32> = HashMap::new();
    // Title and abstract are one text, joined by a space, as ASReview's `TextMerger` joins
    // them (so one bigram spans the two); keywords stay a field of their own.
    let text = format!("{} {}", doc.title, doc.abstract_text);
    let keywords = doc.keywords.join(" ; ");
    for field in [text.as_str(), keywords.as_str()] {
        let mut tokens = tokenize(field);
        if let Some(stemmer) = stemmer {
            for t in &mut tokens {
                *t = stemmer.stem(t).into_owned();
            }
        }
        for t in &tokens {
            *counts.entry(t.clone()).or_default() += 1;
        }
        if options.bigrams {
            for pair in tokens.windows(2) {
                *counts.entry(format!("{} {}", pair[0], pair[1])).or_default() += 1;
            }
        }
    }
    counts
}

/// Learns the vocabulary and idf weights from `docs` and returns their TF-IDF rows, plus the
/// vocabulary (feature index to term), which is sorted so that the result does not depend on
/// hash order.
pub fn tfidf(docs: &[Document], options: &FeatureOptions) -> (Matrix, Vec<String>) {
    let stemmer = options.stem.then(|| Stemmer::create(Algorithm::English));
    let per_doc: Vec<HashMap<String, u32>> =
        docs.iter().map(|d| terms(d, options, stemmer.as_ref())).collect();
    let mut df: HashMap<&str, usize> = HashMap::new();
    for counts in &per_doc {
        for term in counts.keys() {
            *df.entry(term.as_str()).or_default() += 1;
        }
    }
    let n_docs = docs.len();
    let max_df = (options.max_df * n_docs as f64).floor() as usize;
    let mut vocabulary: Vec<&str> = df
        .iter()
        .filter(|&(_, &d)| d >= options.min_df && (d <= max_df || n_docs < 2))
        .map(|(&t, _)| t)
        .collect();
    vocabulary.sort_unstable();
    let index: HashMap<&str, u32> = vocabulary.iter().enumerate().map(|(i, &t)| (t, i as u32)).collect();
    // Smoothed idf, as scikit-learn: ln((1 + n) / (1 + df)) + 1.
    let idf: Vec<f64> =
        vocabulary.iter().map(|t| ((1 + n_docs) as f64 / (1 + df[t]) as f64).ln() + 1.0).collect();
    let rows: Vec<Vec<(u32, f32)>> = per_doc
        .iter()
        .map(|counts| {
            let mut row: Vec<(u32, f64)> = counts
                .iter()
                .filter_map(|(t, &c)| {
                    let j = *index.get(t.as_str())?;
                    let tf = if options.sublinear_tf { 1.0 + f64::from(c).ln() } else { f64::from(c) };
                    Some((j, tf * idf[j as usize]))
                })
                .collect();
            let norm = row.iter().map(|(_, v)| v * v).sum::<f64>().sqrt();
            if norm > 0.0 {
                for (_, v) in &mut row {
                    *v /= norm;
                }
            }
            row.into_iter().map(|(j, v)| (j, v as f32)).collect()
        })
        .collect();
    let names = vocabulary.iter().map(|t| t.to_string()).collect();
    (Matrix::from_rows(&rows, index.len()), names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_lowercase_runs_of_two_or_more_word_characters() {
        assert_eq!(
            tokenize("A Cat's COVID-19 trial, n=2; β-blockers"),
            ["cat", "covid", "19", "trial", "blockers"]
        );
        assert_eq!(tokenize("Ümlaut_x y"), ["ümlaut_x"]);
    }

    #[test]
    fn tfidf_matches_scikit_learn_on_a_small_case() {
        // TfidfVectorizer(ngram_range=(1, 1), sublinear_tf=True) on "a b b", "b c":
        // idf(bb)=1, idf(cc)=ln(3/2)+1; with two-letter tokens "aa", "bb", "cc".
        let docs = [Document::new("aa bb bb", ""), Document::new("bb cc", "")];
        let options = FeatureOptions { bigrams: false, max_df: 1.0, ..FeatureOptions::default() };
        let (m, vocab) = tfidf(&docs, &options);
        assert_eq!(vocab, ["aa", "bb", "cc"]);
        let idf_a = (3.0f64 / 2.0).ln() + 1.0;
        let tf_b = 1.0 + 2.0f64.ln();
        let norm = (idf_a * idf_a + tf_b * tf_b).sqrt();
        // "aa" is in one document only: a private feature, kept as a squared length.
        let (idx, val) = m.row(0);
        assert_eq!(idx, [1]);
        assert!((m.private_norm2(0) - (idf_a / norm).powi(2)).abs() < 1e-6);
        assert!((m.private_sum(0) - idf_a / norm).abs() < 1e-6);
        assert!((f64::from(val[0]) - tf_b / norm).abs() < 1e-6);
        for i in 0..m.n_rows() {
            assert!((m.norm2(i) - 1.0).abs() < 1e-6);
        }
    }

    #[test]
    fn title_and_abstract_are_one_text_keywords_another_and_common_terms_are_dropped() {
        let docs = [
            Document {
                title: "heart failure".into(),
                abstract_text: "beta blockers".into(),
                keywords: vec!["cardiology".into()],
            },
            Document::new("heart", "kidney"),
            Document::new("heart", "liver"),
        ];
        let (_, vocab) = tfidf(&docs, &FeatureOptions::default());
        assert!(vocab.contains(&"heart failure".to_string()));
        assert!(vocab.contains(&"beta blockers".to_string()));
        // As ASReview joins them: "title abstract", one bigram across.
        assert!(vocab.contains(&"failure beta".to_string()));
        assert!(!vocab.contains(&"blockers cardiology".to_string()));
        // "heart" is in every document: above max_df = 95 %.
        assert!(!vocab.contains(&"heart".to_string()));
    }

    #[test]
    fn stems_join_word_forms() {
        let docs = [Document::new("screening screened", ""), Document::new("other words", "")];
        let options = FeatureOptions { stem: true, bigrams: false, max_df: 1.0, ..FeatureOptions::default() };
        let (_, vocab) = tfidf(&docs, &options);
        assert!(vocab.contains(&"screen".to_string()), "{vocab:?}");
    }
}
