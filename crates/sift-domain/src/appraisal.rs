//! Quality appraisal tools: their domains (or checklist items), the judgements each allows,
//! the signalling questions where the tool has them, and validation of an appraisal.
//!
//! Built in: Cochrane RoB 2 (randomized trials), ROBINS-I (non-randomized studies of
//! interventions), JBI checklists (RCT, cohort, analytical cross-sectional, qualitative),
//! AMSTAR 2 (systematic reviews) and the CASP systematic review checklist. A review can add its
//! own tools with the same shape (TOML, `docs/forms.md`). Item wording is abbreviated; the
//! tools' published guidance is the authority.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// An appraisal tool.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    pub key: String,
    pub name: String,
    /// Judgements allowed for each domain or item, worst last.
    pub judgements: Vec<String>,
    /// Judgements allowed for the overall verdict (the same as `judgements` when empty).
    #[serde(default)]
    pub overall: Vec<String>,
    pub domains: Vec<Domain>,
    /// Answers allowed for signalling questions (empty when the tool has none).
    #[serde(default)]
    pub answers: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Domain {
    pub key: String,
    pub label: String,
    #[serde(default)]
    pub questions: Vec<(String, String)>,
}

/// One appraisal: a judgement per domain, signalling answers, and the overall verdict.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appraisal {
    pub judgements: BTreeMap<String, String>,
    #[serde(default)]
    pub answers: BTreeMap<String, String>,
    pub overall: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
}

impl Tool {
    pub fn overall_judgements(&self) -> &[String] {
        if self.overall.is_empty() { &self.judgements } else { &self.overall }
    }

    /// Checks an appraisal against the tool; the error names the domain or question.
    pub fn check(&self, a: &Appraisal, complete: bool) -> Result<(), String> {
        for (domain, judgement) in &a.judgements {
            if !self.domains.iter().any(|d| &d.key == domain) {
                let keys: Vec<&str> = self.domains.iter().map(|d| d.key.as_str()).collect();
                return Err(format!("{domain}: not a domain of {} ({})", self.name, keys.join(", ")));
            }
            if !self.judgements.contains(judgement) {
                return Err(format!("{domain}: {judgement:?} is not one of: {}", self.judgements.join(", ")));
            }
        }
        for (question, answer) in &a.answers {
            if !self.domains.iter().flat_map(|d| &d.questions).any(|(q, _)| q == question) {
                return Err(format!("{question}: not a signalling question of {}", self.name));
            }
            if !self.answers.contains(answer) {
                return Err(format!("{question}: {answer:?} is not one of: {}", self.answers.join(", ")));
            }
        }
        if let Some(overall) = &a.overall
            && !self.overall_judgements().contains(overall)
        {
            return Err(format!(
                "overall: {overall:?} is not one of: {}",
                self.overall_judgements().join(", ")
            ));
        }
        if complete {
            if let Some(d) = self.domains.iter().find(|d| !a.judgements.contains_key(&d.key)) {
                return Err(format!("{}: not judged yet", d.key));
            }
            if a.overall.is_none() {
                return Err("overall: not judged yet".into());
            }
        }
        Ok(())
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn domain(key: &str, label: &str, questions: &[(&str, &str)]) -> Domain {
    Domain {
        key: key.into(),
        label: label.into(),
        questions: questions.iter().map(|(q, t)| (q.to_string(), t.to_string())).collect(),
    }
}

fn checklist(key: &str, name: &str, answers: &[&str], items: &[&str]) -> Tool {
    Tool {
        key: key.into(),
        name: name.into(),
        judgements: strings(answers),
        overall: strings(&["Include", "Exclude", "Seek further info"]),
        domains: items
            .iter()
            .enumerate()
            .map(|(i, label)| domain(&format!("q{}", i + 1), label, &[]))
            .collect(),
        answers: Vec::new(),
    }
}

/// Every built-in tool.
pub fn builtin_tools() -> Vec<Tool> {
    let rob2_answers = strings(&["Y", "PY", "PN", "N", "NI", "NA"]);
    vec![
        Tool {
            key: "rob2".into(),
            name: "Cochrane RoB 2 (randomized trials)".into(),
            judgements: strings(&["Low", "Some concerns", "High"]),
            overall: Vec::new(),
            answers: rob2_answers,
            domains: vec![
                domain(
                    "d1",
                    "Randomization process",
                    &[
                        ("1.1", "Was the allocation sequence random?"),
                        (
                            "1.2",
                            "Was the allocation sequence concealed until participants were enrolled and assigned?",
                        ),
                        (
                            "1.3",
                            "Did baseline differences between groups suggest a problem with randomization?",
                        ),
                    ],
                ),
                domain(
                    "d2",
                    "Deviations from intended interventions",
                    &[
                        ("2.1", "Were participants aware of their assigned intervention?"),
                        (
                            "2.2",
                            "Were carers and people delivering the interventions aware of the assignment?",
                        ),
                        (
                            "2.3",
                            "Were there deviations from the intended intervention that arose because of the trial context?",
                        ),
                        ("2.4", "Were these deviations likely to have affected the outcome?"),
                        ("2.5", "Were these deviations balanced between groups?"),
                        ("2.6", "Was an appropriate analysis used to estimate the effect of assignment?"),
                        (
                            "2.7",
                            "Was there potential for a substantial impact of failing to analyse participants as randomized?",
                        ),
                    ],
                ),
                domain(
                    "d3",
                    "Missing outcome data",
                    &[
                        ("3.1", "Were data for this outcome available for all, or nearly all, participants?"),
                        ("3.2", "Is there evidence that the result was not biased by missing outcome data?"),
                        ("3.3", "Could missingness in the outcome depend on its true value?"),
                        ("3.4", "Is it likely that missingness in the outcome depended on its true value?"),
                    ],
                ),
                domain(
                    "d4",
                    "Measurement of the outcome",
                    &[
                        ("4.1", "Was the method of measuring the outcome inappropriate?"),
                        ("4.2", "Could measurement of the outcome have differed between groups?"),
                        ("4.3", "Were outcome assessors aware of the intervention received?"),
                        (
                            "4.4",
                            "Could assessment of the outcome have been influenced by knowledge of the intervention?",
                        ),
                        (
                            "4.5",
                            "Is it likely that assessment was influenced by knowledge of the intervention?",
                        ),
                    ],
                ),
                domain(
                    "d5",
                    "Selection of the reported result",
                    &[
                        ("5.1", "Were the data analysed in accordance with a pre-specified analysis plan?"),
                        ("5.2", "Was the result selected from multiple eligible outcome measurements?"),
                        ("5.3", "Was the result selected from multiple eligible analyses of the data?"),
                    ],
                ),
            ],
        },
        Tool {
            key: "robins-i".into(),
            name: "ROBINS-I (non-randomized studies of interventions)".into(),
            judgements: strings(&["Low", "Moderate", "Serious", "Critical", "No information"]),
            overall: Vec::new(),
            answers: Vec::new(),
            domains: vec![
                domain("d1", "Bias due to confounding", &[]),
                domain("d2", "Bias in selection of participants into the study", &[]),
                domain("d3", "Bias in classification of interventions", &[]),
                domain("d4", "Bias due to deviations from intended interventions", &[]),
                domain("d5", "Bias due to missing data", &[]),
                domain("d6", "Bias in measurement of outcomes", &[]),
                domain("d7", "Bias in selection of the reported result", &[]),
            ],
        },
        checklist(
            "jbi-rct",
            "JBI checklist for randomized controlled trials",
            &["Yes", "No", "Unclear", "Not applicable"],
            &[
                "True randomization used for assignment",
                "Allocation to groups concealed",
                "Groups similar at baseline",
                "Participants blind to assignment",
                "Those delivering treatment blind to assignment",
                "Outcome assessors blind to assignment",
                "Groups treated identically other than the intervention",
                "Follow-up complete, or differences described and analysed",
                "Participants analysed in the groups to which they were randomized",
                "Outcomes measured the same way for all groups",
                "Outcomes measured reliably",
                "Appropriate statistical analysis",
                "Trial design appropriate, deviations accounted for",
            ],
        ),
        checklist(
            "jbi-cohort",
            "JBI checklist for cohort studies",
            &["Yes", "No", "Unclear", "Not applicable"],
            &[
                "Groups similar and recruited from the same population",
                "Exposures measured similarly in both groups",
                "Exposure measured validly and reliably",
                "Confounding factors identified",
                "Strategies to deal with confounding stated",
                "Participants free of the outcome at the start",
                "Outcomes measured validly and reliably",
                "Follow-up time reported and long enough",
                "Follow-up complete, or reasons for loss described",
                "Strategies to address incomplete follow-up used",
                "Appropriate statistical analysis",
            ],
        ),
        checklist(
            "jbi-cross-sectional",
            "JBI checklist for analytical cross-sectional studies",
            &["Yes", "No", "Unclear", "Not applicable"],
            &[
                "Inclusion criteria clearly defined",
                "Subjects and setting described in detail",
                "Exposure measured validly and reliably",
                "Objective, standard criteria for the condition",
                "Confounding factors identified",
                "Strategies to deal with confounding stated",
                "Outcomes measured validly and reliably",
                "Appropriate statistical analysis",
            ],
        ),
        checklist(
            "jbi-qualitative",
            "JBI checklist for qualitative research",
            &["Yes", "No", "Unclear", "Not applicable"],
            &[
                "Philosophical perspective congruent with methodology",
                "Methodology congruent with the research question",
                "Methodology congruent with data collection",
                "Methodology congruent with representation and analysis of data",
                "Methodology congruent with interpretation of results",
                "Researcher located culturally or theoretically",
                "Influence of the researcher on the research addressed",
                "Participants and their voices adequately represented",
                "Ethical approval, or research ethical by current criteria",
                "Conclusions flow from the analysis or interpretation",
            ],
        ),
        Tool {
            key: "amstar2".into(),
            name: "AMSTAR 2 (systematic reviews)".into(),
            judgements: strings(&["Yes", "Partial yes", "No", "No meta-analysis conducted"]),
            overall: strings(&["High", "Moderate", "Low", "Critically low"]),
            answers: Vec::new(),
            domains: [
                "PICO components in research questions and inclusion criteria",
                "Protocol established before the review, deviations justified",
                "Selection of study designs explained",
                "Comprehensive literature search strategy",
                "Study selection performed in duplicate",
                "Data extraction performed in duplicate",
                "List of excluded studies with justifications",
                "Included studies described in adequate detail",
                "Satisfactory technique for assessing risk of bias",
                "Sources of funding of included studies reported",
                "Appropriate methods for statistical combination",
                "Impact of risk of bias on meta-analysis assessed",
                "Risk of bias accounted for when interpreting results",
                "Heterogeneity explained and discussed",
                "Publication bias investigated and discussed",
                "Conflicts of interest and funding reported",
            ]
            .iter()
            .enumerate()
            .map(|(i, label)| domain(&format!("item{}", i + 1), label, &[]))
            .collect(),
        },
        checklist(
            "casp-sr",
            "CASP systematic review checklist",
            &["Yes", "No", "Can't tell"],
            &[
                "Clearly focused question",
                "Right type of papers sought",
                "All important, relevant studies included",
                "Quality of included studies assessed",
                "Reasonable to combine the results",
                "Overall results",
                "Precision of the results",
                "Results applicable to the local population",
                "All important outcomes considered",
                "Benefits worth the harms and costs",
            ],
        ),
    ]
}

/// A review's own tool, as written in a TOML or JSON file (`docs/forms.md`): key, name, the
/// judgements of its domains (worst last), optional overall judgements and signalling
/// answers, and its domains with optional signalling questions.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolDefinition {
    key: String,
    name: String,
    judgements: Vec<String>,
    #[serde(default)]
    overall: Vec<String>,
    #[serde(default)]
    answers: Vec<String>,
    domains: Vec<DomainDefinition>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DomainDefinition {
    key: String,
    label: String,
    #[serde(default)]
    questions: Vec<QuestionDefinition>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct QuestionDefinition {
    key: String,
    text: String,
}

impl ToolDefinition {
    /// Checks a custom tool: a key of letters, digits, '-', '_' or '.' that no built-in tool
    /// has, judgements, domains with unique keys, and answers when there are signalling
    /// questions. Errors name the place.
    pub fn into_tool(self) -> Result<Tool, String> {
        let file = self;
        let valid_key = |k: &str| {
            !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
        };
        if !valid_key(&file.key) {
            return Err(format!("key: {:?} must be letters, digits, '-', '_' or '.'", file.key));
        }
        if builtin_tool(&file.key).is_some() {
            return Err(format!("key: {:?} is a built-in tool; choose another key", file.key));
        }
        if file.name.trim().is_empty() {
            return Err("name: empty".into());
        }
        if file.judgements.is_empty() {
            return Err("judgements: give at least one".into());
        }
        if file.domains.is_empty() {
            return Err("domains: give at least one".into());
        }
        let mut seen = std::collections::BTreeSet::new();
        let mut questions = std::collections::BTreeSet::new();
        for (i, d) in file.domains.iter().enumerate() {
            if !valid_key(&d.key) || !seen.insert(d.key.clone()) {
                return Err(format!("domains[{}]: key {:?} is empty, malformed or repeated", i + 1, d.key));
            }
            for q in &d.questions {
                if !valid_key(&q.key) || !questions.insert(q.key.clone()) {
                    return Err(format!(
                        "domains[{}] ({}): question key {:?} is empty, malformed or repeated",
                        i + 1,
                        d.key,
                        q.key
                    ));
                }
            }
        }
        if !questions.is_empty() && file.answers.is_empty() {
            return Err("answers: the tool has signalling questions, so list the answers they allow".into());
        }
        Ok(Tool {
            key: file.key,
            name: file.name,
            judgements: file.judgements,
            overall: file.overall,
            answers: file.answers,
            domains: file
                .domains
                .into_iter()
                .map(|d| Domain {
                    key: d.key,
                    label: d.label,
                    questions: d.questions.into_iter().map(|q| (q.key, q.text)).collect(),
                })
                .collect(),
        })
    }
}

/// A built-in tool by key.
pub fn builtin_tool(key: &str) -> Option<Tool> {
    builtin_tools().into_iter().find(|t| t.key == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_tools_are_well_formed() {
        let tools = builtin_tools();
        assert_eq!(tools.len(), 8);
        for t in &tools {
            assert!(!t.domains.is_empty() && !t.judgements.is_empty(), "{}", t.key);
        }
        assert_eq!(builtin_tool("amstar2").unwrap().domains.len(), 16);
        assert_eq!(
            builtin_tool("rob2").unwrap().domains.iter().map(|d| d.questions.len()).sum::<usize>(),
            22
        );
    }

    #[test]
    fn custom_tools_are_checked() {
        let definition = serde_json::json!({
            "key": "mmat-qual",
            "name": "MMAT, qualitative",
            "judgements": ["Yes", "Can't tell", "No"],
            "overall": ["High", "Moderate", "Low"],
            "answers": ["Y", "N"],
            "domains": [
                {"key": "1.1", "label": "Is the qualitative approach appropriate?",
                 "questions": [{"key": "1.1a", "text": "Is the approach justified?"}]},
                {"key": "1.2", "label": "Are the data collection methods adequate?"}
            ]
        });
        let tool = |value: &serde_json::Value| {
            serde_json::from_value::<ToolDefinition>(value.clone()).map_err(|e| e.to_string())?.into_tool()
        };
        let mmat = tool(&definition).unwrap();
        assert_eq!(
            mmat.domains[0].questions,
            vec![("1.1a".to_string(), "Is the approach justified?".to_string())]
        );
        let mut a = Appraisal::default();
        a.judgements.insert("1.1".into(), "Yes".into());
        a.answers.insert("1.1a".into(), "Y".into());
        a.overall = Some("High".into());
        assert_eq!(mmat.check(&a, true).unwrap_err(), "1.2: not judged yet");

        let with = |path: &[&str], value: serde_json::Value| {
            let mut d = definition.clone();
            let mut at = &mut d;
            for p in &path[..path.len() - 1] {
                at = match p.parse::<usize>() {
                    Ok(i) => &mut at[i],
                    Err(_) => &mut at[*p],
                };
            }
            at[path[path.len() - 1]] = value;
            d
        };
        for (bad, message) in [
            (with(&["key"], "rob2".into()), "built-in"),
            (with(&["domains", "1", "key"], "1.1".into()), "domains[2]: key \"1.1\""),
            (with(&["answers"], serde_json::json!([])), "answers:"),
            (with(&["judgements"], serde_json::json!([])), "judgements:"),
            (with(&["domains", "1", "lable"], "x".into()), "unknown field"),
        ] {
            let err = tool(&bad).unwrap_err();
            assert!(err.contains(message), "{message}: {err}");
        }
    }

    #[test]
    fn appraisals_are_checked() {
        let rob2 = builtin_tool("rob2").unwrap();
        let mut a = Appraisal::default();
        a.judgements.insert("d1".into(), "Low".into());
        a.answers.insert("1.1".into(), "Y".into());
        assert!(rob2.check(&a, false).is_ok());
        assert_eq!(rob2.check(&a, true).unwrap_err(), "d2: not judged yet");
        a.judgements.insert("d9".into(), "Low".into());
        assert!(rob2.check(&a, false).unwrap_err().starts_with("d9: not a domain"));
        a.judgements.remove("d9");
        a.overall = Some("Terrible".into());
        assert!(rob2.check(&a, false).unwrap_err().contains("Low, Some concerns, High"));
    }
}
