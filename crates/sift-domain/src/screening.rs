//! Screening: members and roles, stages and their settings, votes, resolutions, the state of a
//! citation at a stage, and the blinding rule that decides who may see which votes.
//!
//! Every read path in the service goes through [`visible_votes`]: while a stage is blinded, a
//! reviewer sees only their own votes on a citation until it is resolved; owners and named
//! resolvers see the votes once the citation is in conflict (to resolve it) or resolved.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ids::{CitationId, MemberId};
use crate::review::ParseEnumError;

/// What a member may do in a review.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, including settings, members and resolving conflicts.
    Owner,
    /// Votes; resolves only when named a resolver.
    Reviewer,
    /// Reads progress and reports; never votes.
    Viewer,
}

/// A screening stage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    TitleAbstract,
    FullText,
}

/// A reviewer's vote.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Include,
    Exclude,
    Maybe,
}

/// How a stage's final decision was reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// All required reviewers voted the same.
    Agreement,
    /// A resolver decided a conflict.
    ThirdReviewer,
    /// The reviewers met and agreed; recorded by one of them or a resolver.
    Consensus,
    /// The stage needs one reviewer.
    SingleReviewer,
}

macro_rules! text_enum {
    ($ty:ident, $what:literal, { $($variant:ident => $text:literal),* $(,)? }) => {
        impl $ty {
            pub const ALL: &'static [$ty] = &[$($ty::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $text),* }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $ty {
            type Err = ParseEnumError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let wanted = s.trim().to_ascii_lowercase().replace('_', "-");
                $(if wanted == $text { return Ok($ty::$variant); })*
                Err(ParseEnumError { what: $what, value: s.to_owned(), expected: concat!($($text, " "),*).trim_ascii_end() })
            }
        }
    };
}

text_enum!(Role, "role", { Owner => "owner", Reviewer => "reviewer", Viewer => "viewer" });
text_enum!(Stage, "stage", { TitleAbstract => "title-abstract", FullText => "full-text" });
text_enum!(Decision, "decision", { Include => "include", Exclude => "exclude", Maybe => "maybe" });
text_enum!(Method, "method", {
    Agreement => "agreement",
    ThirdReviewer => "third-reviewer",
    Consensus => "consensus",
    SingleReviewer => "single-reviewer",
});

impl Stage {
    /// The stage a citation included here moves to.
    pub fn next(self) -> Option<Stage> {
        match self {
            Stage::TitleAbstract => Some(Stage::FullText),
            Stage::FullText => None,
        }
    }

    /// Whether an exclusion at this stage must give a reason (PRISMA reports full-text
    /// exclusions by reason).
    pub fn exclusion_needs_reason(self) -> bool {
        self == Stage::FullText
    }
}

/// A stage's settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageSettings {
    pub stage: Stage,
    /// Independent votes each citation needs, 1 to 5.
    pub reviewers_required: u8,
    /// While on, reviewers do not see each other's votes before a citation is resolved.
    pub blinded: bool,
    /// A unanimous vote resolves the citation without a resolver.
    pub auto_resolve_agreement: bool,
}

impl StageSettings {
    pub fn default_for(stage: Stage) -> StageSettings {
        StageSettings { stage, reviewers_required: 2, blinded: true, auto_resolve_agreement: true }
    }

    pub fn check(&self) -> Result<(), String> {
        if !(1..=5).contains(&self.reviewers_required) {
            return Err(format!(
                "a stage needs 1 to 5 reviewers per citation, not {}",
                self.reviewers_required
            ));
        }
        Ok(())
    }
}

/// Who is looking, for the blinding rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Viewer {
    pub member: MemberId,
    pub role: Role,
    /// Named a resolver (owners always may resolve).
    pub resolver: bool,
}

impl Viewer {
    pub fn may_resolve(&self) -> bool {
        self.role == Role::Owner || (self.resolver && self.role != Role::Viewer)
    }

    pub fn may_vote(&self) -> bool {
        self.role != Role::Viewer
    }
}

/// One vote as stored: the latest per reviewer counts; earlier ones are history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vote {
    pub citation: CitationId,
    pub stage: Stage,
    pub reviewer: MemberId,
    pub decision: Decision,
    pub reason: Option<String>,
    pub note: Option<String>,
    pub at: String,
}

/// A stage's final decision on a citation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    pub citation: CitationId,
    pub stage: Stage,
    /// Include or exclude; never maybe.
    pub decision: Decision,
    pub reason: Option<String>,
    pub method: Method,
    pub resolved_by: Option<MemberId>,
    pub at: String,
}

/// Where a citation stands at one stage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// Fewer votes than required.
    Open {
        votes: usize,
        required: usize,
    },
    /// All required votes agree, but the stage does not resolve by itself: a resolver confirms.
    Agreed(Decision),
    /// The required votes disagree (a maybe disagrees with everything).
    Conflict,
    Resolved(Decision),
}

/// The latest vote of each reviewer, from votes in the order they were cast.
pub fn current_votes(votes: &[Vote]) -> Vec<&Vote> {
    let mut latest: Vec<&Vote> = Vec::new();
    for v in votes {
        match latest.iter_mut().find(|l| l.reviewer == v.reviewer && l.stage == v.stage) {
            Some(slot) => *slot = v,
            None => latest.push(v),
        }
    }
    latest
}

/// The status of one citation at one stage, from its current votes and resolution.
pub fn status(settings: &StageSettings, current: &[&Vote], resolution: Option<&Resolution>) -> Status {
    if let Some(r) = resolution {
        return Status::Resolved(r.decision);
    }
    let required = usize::from(settings.reviewers_required);
    if current.len() < required {
        return Status::Open { votes: current.len(), required };
    }
    let first = current[0].decision;
    if first != Decision::Maybe && current.iter().all(|v| v.decision == first) {
        Status::Agreed(first)
    } else {
        Status::Conflict
    }
}

/// What the stage resolves to by itself, if anything: a unanimous include or exclude when the
/// stage allows that, or the one vote of a single-reviewer stage.
pub fn automatic_resolution(settings: &StageSettings, status: &Status) -> Option<(Decision, Method)> {
    match status {
        Status::Agreed(decision) if settings.reviewers_required == 1 => {
            Some((*decision, Method::SingleReviewer))
        }
        Status::Agreed(decision) if settings.auto_resolve_agreement => Some((*decision, Method::Agreement)),
        _ => None,
    }
}

/// The blinding rule: which of a citation's votes `viewer` may see.
///
/// - Unblinded stages and resolved citations: every vote.
/// - A resolver or owner, once the citation is in conflict or awaiting confirmation: every
///   vote (they must see them to resolve).
/// - Otherwise: only the viewer's own votes. A viewer (role) who does not vote sees none.
pub fn visible_votes<'a>(
    viewer: &Viewer,
    settings: &StageSettings,
    status: &Status,
    votes: &'a [Vote],
) -> Vec<&'a Vote> {
    let all = !settings.blinded
        || matches!(status, Status::Resolved(_))
        || (viewer.may_resolve() && matches!(status, Status::Conflict | Status::Agreed(_)));
    votes.iter().filter(|v| all || v.reviewer == viewer.member).collect()
}

/// What `viewer` may know of a citation's status: all of it on unblinded stages, for owners
/// and resolvers, and once resolved; otherwise `None` ("not resolved yet"): a blinded reviewer
/// must not learn from a count or a conflict flag what a colleague voted.
pub fn visible_status(viewer: &Viewer, settings: &StageSettings, status: &Status) -> Option<Status> {
    let open = !settings.blinded || viewer.may_resolve() || matches!(status, Status::Resolved(_));
    open.then(|| status.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vote(reviewer: i64, decision: Decision) -> Vote {
        Vote {
            citation: CitationId(1),
            stage: Stage::TitleAbstract,
            reviewer: MemberId(reviewer),
            decision,
            reason: None,
            note: None,
            at: String::new(),
        }
    }

    #[test]
    fn text_forms_round_trip() {
        for s in Stage::ALL {
            assert_eq!(s.as_str().parse::<Stage>().unwrap(), *s);
        }
        assert_eq!("full_text".parse::<Stage>().unwrap(), Stage::FullText);
        assert!("done".parse::<Decision>().is_err());
    }

    #[test]
    fn later_votes_replace_earlier_ones() {
        let votes = [vote(1, Decision::Include), vote(2, Decision::Exclude), vote(1, Decision::Exclude)];
        let current = current_votes(&votes);
        assert_eq!(current.len(), 2);
        assert_eq!(current[0].decision, Decision::Exclude);
    }

    #[test]
    fn statuses() {
        let settings = StageSettings::default_for(Stage::TitleAbstract);
        let votes = [vote(1, Decision::Include)];
        assert_eq!(status(&settings, &current_votes(&votes), None), Status::Open { votes: 1, required: 2 });
        let votes = [vote(1, Decision::Include), vote(2, Decision::Include)];
        let s = status(&settings, &current_votes(&votes), None);
        assert_eq!(s, Status::Agreed(Decision::Include));
        assert_eq!(automatic_resolution(&settings, &s), Some((Decision::Include, Method::Agreement)));
        let votes = [vote(1, Decision::Maybe), vote(2, Decision::Maybe)];
        assert_eq!(
            status(&settings, &current_votes(&votes), None),
            Status::Conflict,
            "maybe is disagreement"
        );
        let single = StageSettings { reviewers_required: 1, ..settings.clone() };
        let s = status(&single, &current_votes(&[vote(1, Decision::Exclude)]), None);
        assert_eq!(automatic_resolution(&single, &s), Some((Decision::Exclude, Method::SingleReviewer)));
        let manual = StageSettings { auto_resolve_agreement: false, ..settings };
        assert_eq!(automatic_resolution(&manual, &Status::Agreed(Decision::Include)), None);
    }

    #[test]
    fn blinding_hides_others_votes_until_resolved() {
        let settings = StageSettings::default_for(Stage::TitleAbstract);
        let votes = vec![vote(1, Decision::Include), vote(2, Decision::Exclude)];
        let reviewer = Viewer { member: MemberId(1), role: Role::Reviewer, resolver: false };
        let resolver = Viewer { member: MemberId(3), role: Role::Reviewer, resolver: true };
        let viewer = Viewer { member: MemberId(4), role: Role::Viewer, resolver: false };
        let conflict = Status::Conflict;
        assert_eq!(visible_votes(&reviewer, &settings, &conflict, &votes).len(), 1);
        assert_eq!(visible_votes(&resolver, &settings, &conflict, &votes).len(), 2);
        assert_eq!(visible_votes(&viewer, &settings, &conflict, &votes).len(), 0);
        assert_eq!(visible_status(&reviewer, &settings, &conflict), None);
        assert_eq!(visible_status(&resolver, &settings, &conflict), Some(Status::Conflict));
        let resolved = Status::Resolved(Decision::Include);
        assert_eq!(visible_votes(&reviewer, &settings, &resolved, &votes).len(), 2);
        let open = StageSettings { blinded: false, ..settings };
        assert_eq!(visible_votes(&reviewer, &open, &conflict, &votes).len(), 2);
    }
}
