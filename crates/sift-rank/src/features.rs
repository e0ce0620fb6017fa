//! Text to sparse TF-IDF vectors: tokens, optional stems, unigrams and bigrams, sublinear term
//! frequency, smoothed inverse document frequency, rows normalised to unit length.
//!
//! The defaults follow scikit-learn's `TfidfVectorizer` as ASReview's default model (ELAS u4)
//! configures it: tokens are runs of two or more word characters, lowercased; n-grams 1-2;
//! `sublinear_tf`; terms in more than 95 % of the documents are dropped. Title and abstract are
//! joined by a space into one text, as ASReview joins them; bigrams never cross into keywords.

use rust_stemmers::{Algorithm, Stemmer};
use rustc_hash::FxHashMap;

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
    for_each_token(text, |t| tokens.push(t.to_string()));
    tokens
}

/// Calls `f` with each token of `text` (see [`tokenize`]), reusing one buffer.
fn for_each_token(text: &str, mut f: impl FnMut(&str)) {
    let mut current = String::new();
    let mut n_chars = 0;
    for ch in text.chars() {
        if ch.is_alphanumeric() || ch == '_' {
            current.extend(ch.to_lowercase());
            n_chars += 1;
        } else {
            if n_chars >= 2 {
                f(&current);
            }
            current.clear();
            n_chars = 0;
        }
    }
    if n_chars >= 2 {
        f(&current);
    }
}

/// A term as two word ids: a single word is `(word, NONE)`, a pair `(first, second)`. Packed
/// in a `u64` so that counting terms never builds a string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Term(u64);

impl Term {
    const NONE: u32 = u32::MAX;

    fn word(w: u32) -> Term {
        Term(u64::from(w) << 32 | u64::from(Term::NONE))
    }

    fn pair(a: u32, b: u32) -> Term {
        Term(u64::from(a) << 32 | u64::from(b))
    }

    fn name(self, words: &[String]) -> String {
        let (a, b) = ((self.0 >> 32) as usize, self.0 as u32);
        if b == Term::NONE { words[a].clone() } else { format!("{} {}", words[a], words[b as usize]) }
    }
}

/// Interns words and terms, numbering each in order of first appearance (so nothing depends
/// on hash order).
struct Lexicon<'s> {
    stemmer: Option<&'s Stemmer>,
    words: FxHashMap<String, u32>,
    terms: FxHashMap<Term, u32>,
    term_keys: Vec<Term>,
}

impl Lexicon<'_> {
    fn word(&mut self, token: &str) -> u32 {
        let stemmed;
        let token = match self.stemmer {
            Some(stemmer) => {
                stemmed = stemmer.stem(token);
                stemmed.as_ref()
            }
            None => token,
        };
        if let Some(&id) = self.words.get(token) {
            return id;
        }
        let id = u32::try_from(self.words.len()).expect("fewer than 2^32 - 1 words");
        self.words.insert(token.to_string(), id);
        id
    }

    fn term(&mut self, term: Term) -> u32 {
        let next = u32::try_from(self.term_keys.len()).expect("fewer than 2^32 terms");
        let id = *self.terms.entry(term).or_insert(next);
        if id == next {
            self.term_keys.push(term);
        }
        id
    }

    /// Appends to `ids` the terms of one field given as consecutive parts: tokenizing the parts
    /// one after another gives the tokens of their text joined by a separator (which never
    /// belongs to a token), without building that text. `words` is scratch space.
    fn field_terms<'a>(
        &mut self,
        parts: impl IntoIterator<Item = &'a str>,
        bigrams: bool,
        words: &mut Vec<u32>,
        ids: &mut Vec<u32>,
    ) {
        words.clear();
        for part in parts {
            for_each_token(part, |t| words.push(self.word(t)));
        }
        ids.extend(words.iter().map(|&w| self.term(Term::word(w))));
        if bigrams {
            ids.extend(words.windows(2).map(|p| self.term(Term::pair(p[0], p[1]))));
        }
    }

    /// The terms of one document with their counts, by term id. Title and abstract are one
    /// text, joined by a space, as ASReview's `TextMerger` joins them (so one bigram spans the
    /// two); keywords stay a field of their own.
    fn document(&mut self, doc: &Document, options: &FeatureOptions) -> Vec<(u32, u32)> {
        let mut ids = Vec::new();
        let mut words = Vec::new();
        let text = [doc.title.as_str(), doc.abstract_text.as_str()];
        self.field_terms(text, options.bigrams, &mut words, &mut ids);
        self.field_terms(doc.keywords.iter().map(String::as_str), options.bigrams, &mut words, &mut ids);
        ids.sort_unstable();
        let mut counts: Vec<(u32, u32)> = Vec::new();
        for id in ids {
            match counts.last_mut() {
                Some((last, c)) if *last == id => *c += 1,
                _ => counts.push((id, 1)),
            }
        }
        counts
    }
}

/// Learns the vocabulary and idf weights from `docs` and returns their TF-IDF rows, plus the
/// vocabulary (feature index to term). The vocabulary is ordered by falling document frequency,
/// then by first appearance: the result does not depend on hash order, and the features the
/// solvers touch most sit together at the front of the weight vector (fewer cache misses).
pub fn tfidf(docs: &[Document], options: &FeatureOptions) -> (Matrix, Vec<String>) {
    let stemmer = options.stem.then(|| Stemmer::create(Algorithm::English));
    let mut lexicon = Lexicon {
        stemmer: stemmer.as_ref(),
        words: FxHashMap::default(),
        terms: FxHashMap::default(),
        term_keys: Vec::new(),
    };
    let per_doc: Vec<Vec<(u32, u32)>> = docs.iter().map(|d| lexicon.document(d, options)).collect();
    let mut df = vec![0usize; lexicon.term_keys.len()];
    for counts in &per_doc {
        for &(t, _) in counts {
            df[t as usize] += 1;
        }
    }
    let n_docs = docs.len();
    let max_df = (options.max_df * n_docs as f64).floor() as usize;
    let mut vocabulary: Vec<u32> = (0..df.len() as u32)
        .filter(|&t| {
            let d = df[t as usize];
            d >= options.min_df && (d <= max_df || n_docs < 2)
        })
        .collect();
    vocabulary.sort_by_key(|&t| std::cmp::Reverse(df[t as usize]));
    let mut feature = vec![u32::MAX; df.len()];
    for (j, &t) in vocabulary.iter().enumerate() {
        feature[t as usize] = j as u32;
    }
    // Smoothed idf, as scikit-learn: ln((1 + n) / (1 + df)) + 1.
    let idf: Vec<f64> =
        vocabulary.iter().map(|&t| ((1 + n_docs) as f64 / (1 + df[t as usize]) as f64).ln() + 1.0).collect();
    let rows: Vec<Vec<(u32, f32)>> = per_doc
        .iter()
        .map(|counts| {
            let mut row: Vec<(u32, f64)> = counts
                .iter()
                .filter_map(|&(t, c)| {
                    let j = feature[t as usize];
                    (j != u32::MAX).then(|| {
                        let tf = if options.sublinear_tf { 1.0 + f64::from(c).ln() } else { f64::from(c) };
                        (j, tf * idf[j as usize])
                    })
                })
                .collect();
            row.sort_unstable_by_key(|&(j, _)| j);
            let norm = row.iter().map(|(_, v)| v * v).sum::<f64>().sqrt();
            if norm > 0.0 {
                for (_, v) in &mut row {
                    *v /= norm;
                }
            }
            row.into_iter().map(|(j, v)| (j, v as f32)).collect()
        })
        .collect();
    let mut word_names = vec![String::new(); lexicon.words.len()];
    for (word, id) in lexicon.words {
        word_names[id as usize] = word;
    }
    let names = vocabulary.iter().map(|&t| lexicon.term_keys[t as usize].name(&word_names)).collect();
    (Matrix::from_rows(&rows, vocabulary.len()), names)
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
        assert_eq!(vocab, ["bb", "aa", "cc"], "most frequent first");
        let idf_a = (3.0f64 / 2.0).ln() + 1.0;
        let tf_b = 1.0 + 2.0f64.ln();
        let norm = (idf_a * idf_a + tf_b * tf_b).sqrt();
        // "aa" is in one document only: a private feature, kept as a squared length.
        let (idx, val) = m.row(0);
        assert_eq!(idx, [0]);
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
    fn keywords_are_one_field_whose_bigrams_run_across_keywords_but_not_into_the_text() {
        let docs = [
            Document {
                title: "alpha".into(),
                abstract_text: "beta".into(),
                keywords: vec!["gamma delta".into(), "epsilon".into()],
            },
            Document::new("zeta", ""),
        ];
        let options = FeatureOptions { max_df: 1.0, ..FeatureOptions::default() };
        let (_, mut vocab) = tfidf(&docs, &options);
        vocab.sort();
        assert_eq!(
            vocab,
            [
                "alpha",
                "alpha beta",
                "beta",
                "delta",
                "delta epsilon",
                "epsilon",
                "gamma",
                "gamma delta",
                "zeta"
            ]
        );
    }

    #[test]
    fn stems_join_word_forms() {
        let docs = [Document::new("screening screened", ""), Document::new("other words", "")];
        let options = FeatureOptions { stem: true, bigrams: false, max_df: 1.0, ..FeatureOptions::default() };
        let (_, vocab) = tfidf(&docs, &options);
        assert!(vocab.contains(&"screen".to_string()), "{vocab:?}");
    }
}
