//! Query strategies: which unlabelled record to show next, given the model's scores.

use crate::rng::Rng;

/// How the next record is chosen.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Query {
    /// The most likely relevant record (ASReview's default).
    Max,
    /// The record the model is least sure about (score nearest the boundary).
    Uncertainty,
    /// Mostly `Max`, and with probability `1 - max_share` a record drawn at random, which keeps
    /// exploring topics the model has not seen yet.
    Mixed { max_share: f64 },
}

impl Query {
    /// `max`, `uncertainty` or `mixed` (95 % max, 5 % random).
    pub fn parse(name: &str) -> Option<Query> {
        match name {
            "max" => Some(Query::Max),
            "uncertainty" => Some(Query::Uncertainty),
            "mixed" => Some(Query::Mixed { max_share: 0.95 }),
            _ => None,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Query::Max => "max",
            Query::Uncertainty => "uncertainty",
            Query::Mixed { .. } => "mixed",
        }
    }

    /// Picks one of `candidates` (row indices) by `scores` (indexed by row). Ties go to the
    /// lower row, so the choice is deterministic. `None` when there are no candidates.
    pub fn pick(&self, candidates: &[usize], scores: &[f64], rng: &mut Rng) -> Option<usize> {
        if candidates.is_empty() {
            return None;
        }
        let best_by = |key: &dyn Fn(f64) -> f64| {
            let mut best = candidates[0];
            for &i in &candidates[1..] {
                let (a, b) = (key(scores[i]), key(scores[best]));
                if a > b || (a == b && i < best) {
                    best = i;
                }
            }
            best
        };
        Some(match *self {
            Query::Max => best_by(&|s| s),
            Query::Uncertainty => best_by(&|s: f64| -s.abs()),
            Query::Mixed { max_share } => {
                if rng.next_f64() < max_share {
                    best_by(&|s| s)
                } else {
                    candidates[rng.below(candidates.len())]
                }
            }
        })
    }
}

/// Row indices ordered by descending score (ties by row), for showing a whole ranking.
pub fn ranking(candidates: &[usize], scores: &[f64]) -> Vec<usize> {
    let mut order = candidates.to_vec();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strategies_pick_as_documented() {
        let scores = [0.5, -0.1, 2.0, 2.0, -3.0];
        let candidates = [0, 1, 2, 3, 4];
        let mut rng = Rng::new(1);
        assert_eq!(Query::Max.pick(&candidates, &scores, &mut rng), Some(2));
        assert_eq!(Query::Uncertainty.pick(&candidates, &scores, &mut rng), Some(1));
        assert_eq!(Query::Max.pick(&[], &scores, &mut rng), None);
        assert_eq!(ranking(&candidates, &scores), [2, 3, 0, 1, 4]);
        let mixed = Query::Mixed { max_share: 0.5 };
        let picks: Vec<usize> = (0..200).filter_map(|_| mixed.pick(&candidates, &scores, &mut rng)).collect();
        assert!(picks.iter().any(|&p| p != 2), "a 50 % mix must sometimes pick at random");
        assert!(picks.iter().filter(|&&p| p == 2).count() > 80);
    }
}
