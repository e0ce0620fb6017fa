//! Charting use cases: forms, blinded charting by one or two charters, side-by-side
//! comparison and consensus, appraisal with built-in or custom tools, and levels of evidence.

use std::collections::{BTreeMap, HashMap};

use serde_json::json;
use sift_domain::appraisal::{Appraisal, Tool, ToolDefinition, builtin_tools};
use sift_domain::charting::{CEBM_2011_TREATMENT, Form, Value};
use sift_domain::{CitationId, MemberId};
use sift_store::charting::{self as store, Values};
use sift_store::reviews;

use crate::screening::stage_settings;
use crate::{Actor, Permission, Service, ServiceError, ServiceResult, clock};

/// One field compared across charters.
#[derive(Clone, Debug, PartialEq)]
pub struct ComparedField {
    pub key: String,
    pub label: String,
    /// (charter, value as shown), charters in order of their member id.
    pub values: Vec<(String, String)>,
    /// Each charter's value as text that [`Form::assign`] takes back (the same order as
    /// `values`; empty when they left the field empty), for settling on one of them.
    pub texts: Vec<String>,
    pub agree: bool,
    pub consensus: Option<String>,
}

/// Charting progress on one form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChartProgress {
    pub form: String,
    /// Citations charted complete, per charter.
    pub per_charter: Vec<(String, usize)>,
    pub n_consensus: usize,
}

/// A value as text that [`Form::assign`] parses back into it: choices joined with "; ",
/// a group's rows as a JSON array of objects.
pub fn assignable_text(value: &Value) -> String {
    fn cell(value: &Value) -> serde_json::Value {
        match value {
            Value::Choices(c) => json!(c.join("; ")),
            other => json!(other.display()),
        }
    }
    match value {
        Value::Choices(c) => c.join("; "),
        Value::Rows(rows) => serde_json::Value::Array(
            rows.iter()
                .map(|r| serde_json::Value::Object(r.iter().map(|(k, v)| (k.clone(), cell(v))).collect()))
                .collect(),
        )
        .to_string(),
        other => other.display(),
    }
}

impl Service {
    /// Adds a form from its TOML or JSON definition (`docs/forms.md`).
    pub async fn add_form(&self, actor: &Actor, definition: &str) -> ServiceResult<Form> {
        let form: Form = if definition.trim_start().starts_with('{') {
            serde_json::from_str(definition)
                .map_err(|e| ServiceError::invalid("FORM", format!("not a form definition: {e}")))?
        } else {
            toml::from_str(definition)
                .map_err(|e| ServiceError::invalid("FORM", format!("not a form definition: {e}")))?
        };
        form.check().map_err(|e| ServiceError::invalid(format!("FORM field {}", e.field), e.message))?;
        let now = clock::now();
        let mut tx = self.store.write().await?;
        self.require(tx.conn(), actor, Permission::Manage).await?;
        store::insert_form(tx.conn(), self.review.id, &form, &now).await?;
        reviews::append_event(
            tx.conn(),
            self.review.id,
            &now,
            &actor.name,
            "form.added",
            Some(&form.name),
            &json!({ "fields": form.fields.len() }),
        )
        .await?;
        tx.commit().await?;
        Ok(form)
    }

    pub async fn forms(&self) -> ServiceResult<Vec<Form>> {
        let mut conn = self.store.read().await?;
        Ok(store::forms(&mut conn, self.review.id).await?.into_iter().map(|(_, f)| f).collect())
    }

    pub(crate) async fn form(&self, conn: &mut sift_store::Conn, name: &str) -> ServiceResult<(i64, Form)> {
        let forms = store::forms(conn, self.review.id).await?;
        let names: Vec<String> = forms.iter().map(|(_, f)| f.name.clone()).collect();
        forms.into_iter().find(|(_, f)| f.name == name).ok_or_else(|| ServiceError::NotFound {
            what: "form",
            key: name.to_string(),
            hint: format!("; the review's forms are: {}", names.join(", ")),
        })
    }

    /// Charts values (`key`, text) for a citation as `actor`, merged into their earlier values.
    pub async fn chart(
        &self,
        actor: &Actor,
        form: &str,
        citation: i64,
        assignments: &[(String, String)],
        complete: bool,
    ) -> ServiceResult<Values> {
        let citation = CitationId(citation);
        let now = clock::now();
        let mut tx = self.store.write().await?;
        let viewer = self.require(tx.conn(), actor, Permission::Vote).await?;
        let (form_id, definition) = self.form(tx.conn(), form).await?;
        self.require_citation(tx.conn(), citation).await?;
        let mut values: Values = store::extractions(tx.conn(), form_id)
            .await?
            .into_iter()
            .find(|e| e.citation == citation && e.charter == viewer.member)
            .map(|e| e.values)
            .unwrap_or_default();
        for (key, text) in assignments {
            definition
                .assign(&mut values, key, text)
                .map_err(|e| ServiceError::invalid(e.field, e.message))?;
        }
        definition.check_values(&values, complete).map_err(|e| ServiceError::invalid(e.field, e.message))?;
        store::set_extraction(
            tx.conn(),
            self.review.id,
            form_id,
            citation,
            viewer.member,
            &values,
            complete,
            &now,
        )
        .await?;
        reviews::append_event(tx.conn(), self.review.id, &now, &actor.name, "charted", Some(&citation.to_string()), &json!({
            "form": form, "fields": assignments.iter().map(|(k, _)| k).collect::<Vec<_>>(), "complete": complete,
        }))
        .await?;
        tx.commit().await?;
        Ok(values)
    }

    /// The `actor`'s own values for a citation and whether they marked them complete (empty
    /// when they have charted nothing): never another charter's, whatever the blinding.
    pub async fn my_chart(&self, actor: &Actor, form: &str, citation: i64) -> ServiceResult<(Values, bool)> {
        let mut conn = self.store.read().await?;
        let viewer = self.require(&mut conn, actor, Permission::Vote).await?;
        let (form_id, _) = self.form(&mut conn, form).await?;
        self.require_citation(&mut conn, CitationId(citation)).await?;
        Ok(store::extractions(&mut conn, form_id)
            .await?
            .into_iter()
            .find(|e| e.citation == CitationId(citation) && e.charter == viewer.member)
            .map(|e| (e.values, e.complete))
            .unwrap_or_default())
    }

    /// Which citations the `actor` has charted on a form, and whether each is complete.
    pub async fn my_chart_states(
        &self,
        actor: &Actor,
        form: &str,
    ) -> ServiceResult<BTreeMap<CitationId, bool>> {
        let mut conn = self.store.read().await?;
        let viewer = self.require(&mut conn, actor, Permission::Vote).await?;
        let (form_id, _) = self.form(&mut conn, form).await?;
        Ok(store::extractions(&mut conn, form_id)
            .await?
            .into_iter()
            .filter(|e| e.charter == viewer.member)
            .map(|e| (e.citation, e.complete))
            .collect())
    }

    /// The citations to chart: those included at full text in any stream, in citation order.
    pub async fn to_chart(&self, actor: &Actor) -> ServiceResult<Vec<crate::Screened>> {
        let mut out = Vec::new();
        for stream in self.streams().await? {
            out.extend(
                self.screened(
                    actor,
                    Some(&stream.name),
                    sift_domain::screening::Stage::FullText,
                    sift_domain::screening::Decision::Include,
                )
                .await?,
            );
        }
        out.sort_by_key(|s| s.citation);
        out.dedup_by_key(|s| s.citation);
        Ok(out)
    }

    /// The appraisals `actor` may see: all of them for owners and resolvers, else their own.
    pub async fn visible_appraisals(
        &self,
        actor: &Actor,
    ) -> ServiceResult<Vec<(CitationId, String, String, Appraisal)>> {
        let mut conn = self.store.read().await?;
        let viewer = self.viewer(&mut conn, actor).await?;
        let all = store::appraisals(&mut conn, self.review.id).await?;
        Ok(all.into_iter().filter(|(_, _, by, _)| viewer.may_resolve() || *by == actor.name).collect())
    }

    /// The charters' values side by side, for those who settle consensus. While charting is
    /// blinded (the full-text stage's setting), charters never see each other's values here.
    pub async fn compare_chart(
        &self,
        actor: &Actor,
        form: &str,
        citation: i64,
    ) -> ServiceResult<Vec<ComparedField>> {
        let citation = CitationId(citation);
        let mut conn = self.store.read().await?;
        let viewer = self.viewer(&mut conn, actor).await?;
        let blinded = stage_settings(&mut conn, self).await?.iter().any(|s| s.blinded);
        if blinded && !viewer.may_resolve() {
            return Err(ServiceError::Forbidden(format!(
                "{} may not compare charters' values while charting is blinded",
                actor.name
            )));
        }
        let (form_id, definition) = self.form(&mut conn, form).await?;
        let names: HashMap<MemberId, String> = sift_store::screening::members(&mut conn, self.review.id)
            .await?
            .into_iter()
            .map(|m| (m.id, m.name))
            .collect();
        let extractions: Vec<_> = store::extractions(&mut conn, form_id)
            .await?
            .into_iter()
            .filter(|e| e.citation == citation)
            .collect();
        let consensus = store::consensus(&mut conn, form_id).await?.remove(&citation);
        Ok(definition
            .fields
            .iter()
            .map(|f| {
                let values: Vec<(String, String)> = extractions
                    .iter()
                    .map(|e| {
                        (
                            names.get(&e.charter).cloned().unwrap_or_default(),
                            e.values.get(&f.key).map(Value::display).unwrap_or_default(),
                        )
                    })
                    .collect();
                let agree = values.windows(2).all(|w| w[0].1 == w[1].1);
                let texts = extractions
                    .iter()
                    .map(|e| e.values.get(&f.key).map(assignable_text).unwrap_or_default())
                    .collect();
                ComparedField {
                    texts,
                    key: f.key.clone(),
                    label: f.label.clone(),
                    agree,
                    values,
                    consensus: consensus.as_ref().and_then(|c| c.get(&f.key)).map(Value::display),
                }
            })
            .collect())
    }

    /// Settles a citation's values: taken from one charter (`from`), with `overrides` applied.
    pub async fn settle_chart(
        &self,
        actor: &Actor,
        form: &str,
        citation: i64,
        from: Option<&str>,
        overrides: &[(String, String)],
    ) -> ServiceResult<Values> {
        let citation = CitationId(citation);
        let now = clock::now();
        let mut tx = self.store.write().await?;
        let viewer = self.viewer(tx.conn(), actor).await?;
        let single_charter = stage_settings(tx.conn(), self).await?.iter().any(|s| s.reviewers_required == 1);
        if !viewer.may_resolve() && !single_charter {
            return Err(ServiceError::Forbidden(format!("{} may not settle consensus values", actor.name)));
        }
        let (form_id, definition) = self.form(tx.conn(), form).await?;
        let mut values = match from {
            Some(name) => {
                let members = sift_store::screening::members(tx.conn(), self.review.id).await?;
                let member = members.iter().find(|m| m.name == name).ok_or_else(|| {
                    ServiceError::NotFound { what: "charter", key: name.to_string(), hint: String::new() }
                })?;
                store::extractions(tx.conn(), form_id)
                    .await?
                    .into_iter()
                    .find(|e| e.citation == citation && e.charter == member.id)
                    .map(|e| e.values)
                    .ok_or_else(|| {
                        ServiceError::invalid(
                            "--from",
                            format!("{name} has charted nothing on citation {citation}"),
                        )
                    })?
            }
            None => BTreeMap::new(),
        };
        for (key, text) in overrides {
            definition
                .assign(&mut values, key, text)
                .map_err(|e| ServiceError::invalid(e.field, e.message))?;
        }
        definition.check_values(&values, true).map_err(|e| ServiceError::invalid(e.field, e.message))?;
        store::set_consensus(tx.conn(), form_id, citation, &values, &actor.name, &now).await?;
        reviews::append_event(
            tx.conn(),
            self.review.id,
            &now,
            &actor.name,
            "chart.settled",
            Some(&citation.to_string()),
            &json!({ "form": form, "from": from }),
        )
        .await?;
        tx.commit().await?;
        Ok(values)
    }

    /// The settled values of a form, per citation.
    pub async fn chart_consensus(&self, form: &str) -> ServiceResult<(Form, BTreeMap<CitationId, Values>)> {
        let mut conn = self.store.read().await?;
        let (form_id, definition) = self.form(&mut conn, form).await?;
        Ok((definition, store::consensus(&mut conn, form_id).await?))
    }

    pub async fn chart_progress(&self, form: &str) -> ServiceResult<ChartProgress> {
        let mut conn = self.store.read().await?;
        let (form_id, definition) = self.form(&mut conn, form).await?;
        let names: HashMap<MemberId, String> = sift_store::screening::members(&mut conn, self.review.id)
            .await?
            .into_iter()
            .map(|m| (m.id, m.name))
            .collect();
        let mut per: BTreeMap<String, usize> = BTreeMap::new();
        for e in store::extractions(&mut conn, form_id).await?.into_iter().filter(|e| e.complete) {
            *per.entry(names.get(&e.charter).cloned().unwrap_or_default()).or_default() += 1;
        }
        Ok(ChartProgress {
            form: definition.name,
            per_charter: per.into_iter().collect(),
            n_consensus: store::consensus(&mut conn, form_id).await?.len(),
        })
    }

    /// Adds a review's own appraisal tool from its TOML or JSON definition (`docs/forms.md`);
    /// a tool of the same key is replaced. Owners only.
    pub async fn add_appraisal_tool(&self, actor: &Actor, definition: &str) -> ServiceResult<Tool> {
        let parsed: ToolDefinition = if definition.trim_start().starts_with('{') {
            serde_json::from_str(definition)
                .map_err(|e| ServiceError::invalid("TOOL", format!("not a tool definition: {e}")))?
        } else {
            toml::from_str(definition)
                .map_err(|e| ServiceError::invalid("TOOL", format!("not a tool definition: {e}")))?
        };
        let tool = parsed.into_tool().map_err(|m| ServiceError::invalid("TOOL", m))?;
        let now = clock::now();
        let mut tx = self.store.write().await?;
        self.require(tx.conn(), actor, Permission::Manage).await?;
        store::set_appraisal_tool(tx.conn(), self.review.id, &tool, &now).await?;
        reviews::append_event(
            tx.conn(),
            self.review.id,
            &now,
            &actor.name,
            "appraisal_tool.added",
            Some(&tool.key),
            &json!({ "domains": tool.domains.len() }),
        )
        .await?;
        tx.commit().await?;
        Ok(tool)
    }

    /// Every appraisal tool the review can use: the built-in ones, then its own.
    pub async fn appraisal_tools(&self) -> ServiceResult<Vec<Tool>> {
        let mut conn = self.store.read().await?;
        let mut tools = builtin_tools();
        tools.extend(store::appraisal_tools(&mut conn, self.review.id).await?);
        Ok(tools)
    }

    /// Records an appraisal with a built-in tool (`rob2`, `robins-i`, `jbi-rct`, ...) or one
    /// of the review's own.
    pub async fn appraise(
        &self,
        actor: &Actor,
        citation: i64,
        tool: &str,
        appraisal: &Appraisal,
    ) -> ServiceResult<()> {
        let tools = self.appraisal_tools().await?;
        let definition = tools.iter().find(|t| t.key == tool).ok_or_else(|| {
            let keys: Vec<&str> = tools.iter().map(|t| t.key.as_str()).collect();
            ServiceError::invalid(
                "--tool",
                format!("unknown tool {tool:?}; the review has: {}", keys.join(", ")),
            )
        })?;
        definition.check(appraisal, false).map_err(|m| ServiceError::invalid("--judge", m))?;
        let citation = CitationId(citation);
        let now = clock::now();
        let mut tx = self.store.write().await?;
        self.require(tx.conn(), actor, Permission::Vote).await?;
        self.require_citation(tx.conn(), citation).await?;
        store::set_appraisal(tx.conn(), self.review.id, citation, tool, &actor.name, appraisal, &now).await?;
        reviews::append_event(
            tx.conn(),
            self.review.id,
            &now,
            &actor.name,
            "appraised",
            Some(&citation.to_string()),
            &json!({ "tool": tool, "overall": appraisal.overall }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn appraisals(&self) -> ServiceResult<Vec<(CitationId, String, String, Appraisal)>> {
        let mut conn = self.store.read().await?;
        Ok(store::appraisals(&mut conn, self.review.id).await?)
    }

    /// Grades a citation with the Oxford CEBM 2011 levels (1-5).
    pub async fn set_level(&self, actor: &Actor, citation: i64, level: &str) -> ServiceResult<()> {
        let level = level.trim();
        if !CEBM_2011_TREATMENT.iter().any(|(l, _)| *l == level) {
            return Err(ServiceError::invalid(
                "LEVEL",
                format!("{level:?} is not an Oxford CEBM 2011 level (1 to 5)"),
            ));
        }
        let citation = CitationId(citation);
        let now = clock::now();
        let mut tx = self.store.write().await?;
        self.require(tx.conn(), actor, Permission::Vote).await?;
        self.require_citation(tx.conn(), citation).await?;
        store::set_level(tx.conn(), citation, "oxford-cebm-2011", level, &actor.name, &now).await?;
        reviews::append_event(
            tx.conn(),
            self.review.id,
            &now,
            &actor.name,
            "level.set",
            Some(&citation.to_string()),
            &json!({ "level": level }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn levels(&self) -> ServiceResult<BTreeMap<CitationId, (String, String)>> {
        let mut conn = self.store.read().await?;
        Ok(store::levels(&mut conn, self.review.id).await?)
    }

    async fn require_citation(&self, conn: &mut sift_store::Conn, citation: CitationId) -> ServiceResult<()> {
        sift_store::screening::citation_stream(conn, self.review.id, citation).await?.map(|_| ()).ok_or_else(
            || ServiceError::NotFound { what: "citation", key: citation.to_string(), hint: String::new() },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignable_text_reads_back_as_the_same_value() {
        let form: Form = toml::from_str(
            r#"
name = "f"
[[fields]]
key = "n"
label = "N"
type = "integer_pair"
[[fields]]
key = "weeks"
label = "Weeks"
type = "number"
[[fields]]
key = "outcomes"
label = "Outcomes"
type = "multiple_choice"
options = ["Pain", "Sleep; night", "Mood"]
[[fields]]
key = "arms"
label = "Arms"
type = "group"
fields = [
  { key = "name", label = "Arm", type = "text" },
  { key = "n", label = "n", type = "integer" },
  { key = "tags", label = "Tags", type = "multiple_choice", options = ["a", "b"] },
]
"#,
        )
        .unwrap();
        let mut values = Values::new();
        for (key, text) in [
            ("n", "31/32"),
            ("weeks", "1.5"),
            ("outcomes", "Pain; Mood"),
            ("arms", r#"[{"name": "Gabapentin, 300 mg", "n": 80, "tags": "a; b"}, {"name": "Placebo"}]"#),
        ] {
            form.assign(&mut values, key, text).unwrap();
        }
        for (key, value) in &values {
            let mut again = Values::new();
            form.assign(&mut again, key, &assignable_text(value)).unwrap();
            assert_eq!(&again[key], value, "{key}: {}", assignable_text(value));
        }
    }
}
