//! `simulate`: replay a labelled set (CSV with `record_id`, `title`, `abstract`,
//! `label_included`) through the ranking model, without a review. The CSV is read here, the
//! engine (`sift_rank`) does the rest; the CLI prints and writes the files.

use std::path::Path;
use std::time::Instant;

use sift_rank::{Balance, Classifier, Document, FeatureOptions, Metrics, Query, Settings, StopPoint};

use crate::input::{csv_error, read_utf8};
use crate::{ServiceError, ServiceResult};

/// A labelled set read from a CSV file.
#[derive(Clone, Debug, Default)]
pub struct LabelledSet {
    pub ids: Vec<String>,
    pub documents: Vec<Document>,
    pub labels: Vec<bool>,
}

/// Which records start as already screened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Priors {
    /// These `record_id`s.
    Ids(Vec<String>),
    /// This many relevant and irrelevant records picked at random (by the simulation's seed).
    Random { n_included: usize, n_excluded: usize },
}

/// What to simulate.
#[derive(Clone, Debug)]
pub struct SimulationSpec {
    pub priors: Priors,
    pub seed: u64,
    pub classifier: Classifier,
    pub query: Query,
    pub retrain_every: usize,
    pub features: FeatureOptions,
}

impl Default for SimulationSpec {
    fn default() -> SimulationSpec {
        SimulationSpec {
            priors: Priors::Random { n_included: 1, n_excluded: 1 },
            seed: 0,
            classifier: Classifier::SVM,
            query: Query::Max,
            retrain_every: 1,
            features: FeatureOptions::default(),
        }
    }
}

/// One simulation's outcome, by record id.
#[derive(Clone, Debug)]
pub struct SimulationReport {
    /// `(record_id, included, prior)` in screening order, priors first.
    pub order: Vec<(String, bool, bool)>,
    pub n_prior: usize,
    pub metrics: Metrics,
    pub stop: Option<StopPoint>,
    pub n_trainings: usize,
    /// Time spent on features and the simulation (not reading the file).
    pub seconds: f64,
}

impl SimulationReport {
    /// The labels after the priors, in screening order.
    pub fn labels_after_priors(&self) -> Vec<bool> {
        self.order[self.n_prior..].iter().map(|(_, l, _)| *l).collect()
    }
}

/// Reads a labelled CSV. Every problem names the file, the line and the column.
pub fn read_labelled_csv(path: &Path) -> ServiceResult<LabelledSet> {
    let (shown, text) = read_utf8(path)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| csv_error(&shown, &e))?.clone();
    let column = |name: &str| headers.iter().position(|h| h.trim().eq_ignore_ascii_case(name));
    let need = |name: &str| {
        column(name).ok_or_else(|| {
            ServiceError::invalid(
                format!("{shown}:1"),
                format!(
                    "no `{name}` column (the header has: {}); a labelled set needs record_id, title, abstract, label_included",
                    headers.iter().collect::<Vec<_>>().join(", ")
                ),
            )
        })
    };
    let (id_col, title_col, abstract_col, label_col) =
        (need("record_id")?, need("title")?, need("abstract")?, need("label_included")?);
    let keywords_col = column("keywords").or_else(|| column("mesh"));
    let mut set = LabelledSet::default();
    let mut seen = std::collections::HashMap::new();
    for row in reader.records() {
        let row = row.map_err(|e| csv_error(&shown, &e))?;
        let line = row.position().map_or(0, |p| p.line());
        let field = |col: usize| row.get(col).unwrap_or("").trim();
        let id = field(id_col);
        if id.is_empty() {
            return Err(ServiceError::invalid(format!("{shown}:{line}"), "column `record_id` is empty"));
        }
        if let Some(first) = seen.insert(id.to_string(), line) {
            return Err(ServiceError::invalid(
                format!("{shown}:{line}"),
                format!("column `record_id`: {id:?} already appears on line {first}"),
            ));
        }
        let label = match field(label_col) {
            "1" | "1.0" | "true" | "True" | "TRUE" => true,
            "0" | "0.0" | "false" | "False" | "FALSE" => false,
            other => {
                return Err(ServiceError::invalid(
                    format!("{shown}:{line}"),
                    format!(
                        "column `label_included`: {other:?} is not 0 or 1 (every record needs a known label to simulate)"
                    ),
                ));
            }
        };
        let keywords = keywords_col
            .map(|c| field(c).split(';').map(str::trim).filter(|k| !k.is_empty()).map(String::from).collect())
            .unwrap_or_default();
        set.ids.push(id.to_string());
        set.documents.push(Document {
            title: field(title_col).to_string(),
            abstract_text: field(abstract_col).to_string(),
            keywords,
        });
        set.labels.push(label);
    }
    if set.ids.is_empty() {
        return Err(ServiceError::invalid(&shown, "no records after the header"));
    }
    Ok(set)
}

/// Runs one simulation on `set`.
pub fn simulate(set: &LabelledSet, spec: &SimulationSpec) -> ServiceResult<SimulationReport> {
    let priors = match &spec.priors {
        Priors::Ids(ids) => ids
            .iter()
            .map(|id| {
                set.ids.iter().position(|i| i == id).ok_or_else(|| {
                    ServiceError::invalid("--prior-ids", format!("record_id {id:?} is not in the data"))
                })
            })
            .collect::<ServiceResult<Vec<usize>>>()?,
        Priors::Random { n_included, n_excluded } => {
            sift_rank::random_priors(&set.labels, *n_included, *n_excluded, spec.seed)
                .map_err(|e| ServiceError::invalid("--n-prior-included", e.to_string()))?
        }
    };
    if spec.retrain_every == 0 {
        return Err(ServiceError::invalid("--retrain-every", "must be at least 1"));
    }
    let start = Instant::now();
    let (x, _) = sift_rank::tfidf(&set.documents, &spec.features);
    let settings = Settings {
        classifier: spec.classifier,
        balance: Balance::DEFAULT,
        query: spec.query,
        retrain_every: spec.retrain_every,
        seed: spec.seed,
        ..Settings::default()
    };
    let result = sift_rank::simulate(&x, &set.labels, &priors, &settings).map_err(|e| match e {
        sift_rank::SimulationError::DuplicatePrior(i) => {
            ServiceError::invalid("--prior-ids", format!("record_id {:?} is named twice", set.ids[i]))
        }
        other => ServiceError::invalid("DATASET", other.to_string()),
    })?;
    let seconds = start.elapsed().as_secs_f64();
    let order = result
        .order
        .iter()
        .enumerate()
        .map(|(k, &i)| (set.ids[i].clone(), set.labels[i], k < result.n_prior))
        .collect();
    Ok(SimulationReport {
        order,
        n_prior: result.n_prior,
        metrics: result.metrics,
        stop: result.stop,
        n_trainings: result.n_trainings,
        seconds,
    })
}
