//! Joining certain pairs into groups without ever putting conflicting records together.
//!
//! A union-find joins the pairs in order of confidence (identifier matches first, then by
//! title similarity). Each group remembers its DOI, PMID and notice kind; a union that would
//! give a group two DOIs, two PMIDs or two kinds of notice, or join records a person said are
//! different, is refused and the pair goes to a person instead. Pairs a person said are the
//! same are joined first, whatever the engine thinks.

use std::collections::HashMap;

use crate::compare::Rule;
use crate::prepare::{Notice, Prepared};
use crate::{Constraints, Match, Tier};

struct Groups<'a> {
    parent: Vec<usize>,
    size: Vec<usize>,
    doi: Vec<Option<&'a str>>,
    pmid: Vec<Option<&'a str>>,
    notice: Vec<Option<Notice>>,
    /// Members a group may never join, from person decisions, keyed by root.
    apart: HashMap<usize, Vec<usize>>,
}

impl<'a> Groups<'a> {
    fn new(prepared: &'a [Prepared]) -> Groups<'a> {
        Groups {
            parent: (0..prepared.len()).collect(),
            size: vec![1; prepared.len()],
            doi: prepared.iter().map(|p| p.doi.as_deref()).collect(),
            pmid: prepared.iter().map(|p| p.pmid.as_deref()).collect(),
            notice: prepared.iter().map(|p| p.notice).collect(),
            apart: HashMap::new(),
        }
    }

    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    /// Whether the groups rooted at `ra` and `rb` may become one.
    fn compatible(&mut self, ra: usize, rb: usize) -> bool {
        let clash = |x: Option<&str>, y: Option<&str>| matches!((x, y), (Some(x), Some(y)) if x != y);
        if clash(self.doi[ra], self.doi[rb])
            || clash(self.pmid[ra], self.pmid[rb])
            || self.notice[ra] != self.notice[rb]
        {
            return false;
        }
        let apart_a = self.apart.get(&ra).cloned().unwrap_or_default();
        let apart_b = self.apart.get(&rb).cloned().unwrap_or_default();
        !apart_a.into_iter().any(|m| self.find(m) == rb) && !apart_b.into_iter().any(|m| self.find(m) == ra)
    }

    fn union(&mut self, ra: usize, rb: usize) {
        let (big, small) = if self.size[ra] >= self.size[rb] { (ra, rb) } else { (rb, ra) };
        self.parent[small] = big;
        self.size[big] += self.size[small];
        self.doi[big] = self.doi[big].or(self.doi[small]);
        self.pmid[big] = self.pmid[big].or(self.pmid[small]);
        if let Some(moved) = self.apart.remove(&small) {
            self.apart.entry(big).or_default().extend(moved);
        }
    }
}

/// The outcome of clustering.
pub struct Clustering {
    pub groups: Vec<Vec<usize>>,
    /// The certain matches that joined two groups (a spanning forest of the groups).
    pub joined: Vec<Match>,
    /// Pairs left for a person.
    pub left: Vec<Match>,
}

/// Groups certain matches; returns the groups, the matches that joined them, and the pairs
/// left for a person.
pub fn cluster(prepared: &[Prepared], mut matches: Vec<Match>, constraints: &Constraints) -> Clustering {
    let mut groups = Groups::new(prepared);
    for &(a, b) in &constraints.different {
        groups.apart.entry(a).or_default().push(b);
        groups.apart.entry(b).or_default().push(a);
    }
    for &(a, b) in &constraints.same {
        let (ra, rb) = (groups.find(a), groups.find(b));
        if ra != rb {
            groups.union(ra, rb);
        }
    }
    let person_same: std::collections::HashSet<(usize, usize)> =
        constraints.same.iter().map(|&(a, b)| (a.min(b), a.max(b))).collect();
    let person_different: std::collections::HashSet<(usize, usize)> =
        constraints.different.iter().map(|&(a, b)| (a.min(b), a.max(b))).collect();

    // Identifier rules first, then the most similar titles.
    let rank = |m: &Match| match m.rule {
        Rule::SameDoi | Rule::SamePmid => 0,
        _ => 1,
    };
    matches.sort_by(|x, y| {
        (x.tier == Tier::Possible)
            .cmp(&(y.tier == Tier::Possible))
            .then(rank(x).cmp(&rank(y)))
            .then(y.score.total_cmp(&x.score))
            .then((x.a, x.b).cmp(&(y.a, y.b)))
    });
    let mut left = Vec::new();
    let mut joined = Vec::new();
    for m in matches {
        if person_same.contains(&(m.a, m.b)) || person_different.contains(&(m.a, m.b)) {
            continue;
        }
        let (ra, rb) = (groups.find(m.a), groups.find(m.b));
        if ra == rb {
            continue;
        }
        if m.tier == Tier::Certain && groups.compatible(ra, rb) {
            groups.union(ra, rb);
            joined.push(m);
        } else {
            left.push(Match { tier: Tier::Possible, ..m });
        }
    }
    // Pairs that later unions put in one group need no person.
    left.retain(|m| groups.find(m.a) != groups.find(m.b));
    left.sort_by(|x, y| y.score.total_cmp(&x.score).then((x.a, x.b).cmp(&(y.a, y.b))));

    let mut by_root: HashMap<usize, Vec<usize>> = HashMap::new();
    for i in 0..prepared.len() {
        let root = groups.find(i);
        if groups.size[root] > 1 {
            by_root.entry(root).or_default().push(i);
        }
    }
    let mut result: Vec<Vec<usize>> = by_root.into_values().collect();
    for g in &mut result {
        g.sort_unstable();
    }
    result.sort_unstable_by_key(|g| g[0]);
    Clustering { groups: result, joined, left }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sift_domain::Reference;

    fn with_doi(doi: Option<&str>) -> Prepared {
        Prepared::new(&Reference {
            title: Some("A title".into()),
            doi: doi.map(String::from),
            ..Reference::default()
        })
    }

    fn certain(a: usize, b: usize, score: f64) -> Match {
        Match { a, b, tier: Tier::Certain, score, rule: Rule::SameMetadata }
    }

    #[test]
    fn a_chain_never_joins_two_dois() {
        // 0 and 2 have different DOIs; 1 has none and looks like both.
        let prepared = vec![with_doi(Some("10.1/a")), with_doi(None), with_doi(Some("10.1/b"))];
        let Clustering { groups, left, joined } =
            cluster(&prepared, vec![certain(0, 1, 0.99), certain(1, 2, 0.98)], &Constraints::default());
        assert_eq!(groups, vec![vec![0, 1]]);
        assert_eq!(joined.len(), 1);
        assert_eq!(left.len(), 1);
        assert_eq!((left[0].a, left[0].b, left[0].tier), (1, 2, Tier::Possible));
    }

    #[test]
    fn person_decisions_win() {
        let prepared = vec![with_doi(None), with_doi(None), with_doi(None)];
        let constraints = Constraints { same: vec![(0, 2)], different: vec![(0, 1)] };
        let Clustering { groups, left, .. } =
            cluster(&prepared, vec![certain(0, 1, 1.0), certain(1, 2, 1.0)], &constraints);
        assert_eq!(groups, vec![vec![0, 2]]);
        assert!(left.iter().all(|m| (m.a, m.b) == (1, 2)), "1 may not join 0's group: {left:?}");
    }
}
