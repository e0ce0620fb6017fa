//! Reports: study-characteristics tables from table specs kept with the review, flow-diagram
//! counts per stream (derived from records, or typed in where records cannot give them), and
//! the search appendix. The service gathers; `sift-report` lays out and writes.

use std::collections::{BTreeMap, HashMap};
use std::sync::PoisonError;

use serde_json::json;
use sift_domain::prisma::PrismaCounts;
use sift_domain::{CitationId, ReviewType};
use sift_report::appendix::AppendixSearch;
use sift_report::characteristics::{self, StudyRow, TableSpec, TableSpecs};
use sift_report::flow::{FlowOptions, Template};
use sift_report::manual::{self, ManualCounts};
use sift_report::tables::Table;
use sift_store::records;
use sift_store::reports::{self as store, SpecKind};
use sift_store::screening as screening_store;

use sift_store::reviews;

use crate::{Actor, ExportFormat, Permission, Service, ServiceError, ServiceResult, clock};

/// Where a stream's flow counts come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FlowSource {
    /// Derived from the review's records, votes and resolutions.
    Derived,
    /// Typed in (`sift flow set`), as the text given.
    Manual(String),
}

/// A stream's flow diagram, ready to draw.
#[derive(Clone, Debug)]
pub struct StreamFlow {
    pub stream: String,
    pub description: Option<String>,
    pub counts: PrismaCounts,
    pub source: FlowSource,
    pub options: FlowOptions,
}

impl Service {
    /// Adds the tables of a spec file (TOML or JSON, `docs/tables.md`), replacing tables of
    /// the same name. Each is checked against its form and stream first; nothing is stored
    /// unless all are good. Returns the names stored.
    pub async fn set_report_tables(&self, actor: &Actor, text: &str) -> ServiceResult<Vec<String>> {
        let specs = TableSpecs::parse(text).map_err(|e| ServiceError::invalid(e.place, e.message))?;
        let now = clock::now();
        let mut tx = self.store.write().await?;
        self.require(tx.conn(), actor, Permission::Manage).await?;
        let forms = sift_store::charting::forms(tx.conn(), self.review.id).await?;
        let streams = sift_store::reviews::list_streams(tx.conn(), self.review.id).await?;
        for spec in &specs.tables {
            let (_, form) = forms.iter().find(|(_, f)| f.name == spec.form).ok_or_else(|| {
                ServiceError::invalid(
                    format!("table {}: form", spec.name),
                    format!(
                        "the review has no form {:?}; its forms are: {}",
                        spec.form,
                        forms.iter().map(|(_, f)| f.name.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                )
            })?;
            spec.check(form).map_err(|e| ServiceError::invalid(e.place, e.message))?;
            if let Some(stream) = &spec.stream
                && !streams.iter().any(|s| &s.name == stream)
            {
                return Err(ServiceError::invalid(
                    format!("table {}: stream", spec.name),
                    format!(
                        "the review has no stream {stream:?}; its streams are: {}",
                        streams.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
            let stored =
                serde_json::to_string(spec).map_err(|e| ServiceError::invalid("spec", e.to_string()))?;
            store::set_spec(tx.conn(), SpecKind::Table, self.review.id, &spec.name, &stored, &now).await?;
        }
        let names: Vec<String> = specs.tables.iter().map(|t| t.name.clone()).collect();
        reviews::append_event(
            tx.conn(),
            self.review.id,
            &now,
            &actor.name,
            "report.tables_set",
            None,
            &json!({
                "tables": names,
            }),
        )
        .await?;
        tx.commit().await?;
        Ok(names)
    }

    /// Removes a table spec. Owners only.
    pub async fn remove_report_table(&self, actor: &Actor, name: &str) -> ServiceResult<()> {
        self.remove_spec(actor, SpecKind::Table, name).await
    }

    /// The review's table specs, in the order first added.
    pub async fn report_tables(&self) -> ServiceResult<Vec<TableSpec>> {
        self.stored_specs(SpecKind::Table).await
    }

    /// Removes a stored spec of `kind`; an unknown name is refused naming the ones there are.
    pub(crate) async fn remove_spec(&self, actor: &Actor, kind: SpecKind, name: &str) -> ServiceResult<()> {
        let now = clock::now();
        let mut tx = self.store.write().await?;
        self.require(tx.conn(), actor, Permission::Manage).await?;
        if !store::remove_spec(tx.conn(), kind, self.review.id, name).await? {
            return Err(self.unknown_spec(tx.conn(), kind, name).await);
        }
        let event = format!("report.{}_removed", kind.noun());
        reviews::append_event(tx.conn(), self.review.id, &now, &actor.name, &event, Some(name), &json!({}))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The review's specs of `kind` as stored (JSON), in the order first added.
    pub(crate) async fn stored_specs<T: serde::de::DeserializeOwned>(
        &self,
        kind: SpecKind,
    ) -> ServiceResult<Vec<T>> {
        let mut conn = self.store.read().await?;
        store::specs(&mut conn, kind, self.review.id)
            .await?
            .into_iter()
            .map(|t| {
                serde_json::from_str(&t.spec).map_err(|e| {
                    ServiceError::Store(sift_store::StoreError::Corrupt(format!(
                        "{}.spec: {e}",
                        kind.table()
                    )))
                })
            })
            .collect()
    }

    /// The error for a spec name the review does not have, listing the names it has.
    pub(crate) async fn unknown_spec(
        &self,
        conn: &mut sift_store::Conn,
        kind: SpecKind,
        name: &str,
    ) -> ServiceError {
        let names = match store::specs(conn, kind, self.review.id).await {
            Ok(specs) => specs.into_iter().map(|t| t.name).collect::<Vec<_>>(),
            Err(e) => return e.into(),
        };
        let (plural, command) = match kind {
            SpecKind::Table => ("tables", "sift table add"),
            SpecKind::Analysis => ("analyses", "sift analysis add"),
        };
        ServiceError::NotFound {
            what: kind.noun(),
            key: name.to_string(),
            hint: if names.is_empty() {
                format!("; the review has no {plural} (add them with `{command}`)")
            } else {
                format!("; the review's {plural} are: {}", names.join(", "))
            },
        }
    }

    /// Each citation's canonical record and the label of the study it reports, over every
    /// stream or only the one named.
    pub(crate) async fn citation_records_and_studies(
        &self,
        conn: &mut sift_store::Conn,
        only: Option<&str>,
    ) -> ServiceResult<(HashMap<CitationId, sift_domain::RecordId>, HashMap<CitationId, String>)> {
        let mut canonical = HashMap::new();
        let mut label_of = HashMap::new();
        for stream in sift_store::reviews::list_streams(conn, self.review.id).await? {
            if only.is_some_and(|name| name != stream.name) {
                continue;
            }
            for c in crate::screening::stream_citations(conn, self, stream.id).await?.iter() {
                canonical.insert(c.id, c.canonical_record);
            }
            for (_, label, reports) in screening_store::studies(conn, stream.id).await? {
                for c in reports {
                    label_of.insert(c, label.clone());
                }
            }
        }
        Ok((canonical, label_of))
    }

    /// One study-characteristics table, built from the consensus values of its form: one row
    /// per citation with consensus values (in its stream, when the spec names one).
    pub async fn characteristics_table(&self, name: &str) -> ServiceResult<Table> {
        let spec = match self.report_tables().await?.into_iter().find(|t| t.name == name) {
            Some(spec) => spec,
            None => {
                let mut conn = self.store.read().await?;
                return Err(self.unknown_spec(&mut conn, SpecKind::Table, name).await);
            }
        };
        let (form, consensus) = self.chart_consensus(&spec.form).await?;
        let mut conn = self.store.read().await?;
        let (canonical, label_of) =
            self.citation_records_and_studies(&mut conn, spec.stream.as_deref()).await?;
        let levels = sift_store::charting::levels(&mut conn, self.review.id).await?;
        let mut appraisals: HashMap<CitationId, BTreeMap<String, String>> = HashMap::new();
        for (citation, tool, _, appraisal) in
            sift_store::charting::appraisals(&mut conn, self.review.id).await?
        {
            if let Some(overall) = appraisal.overall {
                appraisals.entry(citation).or_default().insert(tool, overall);
            }
        }
        let mut rows = Vec::new();
        for (citation, values) in consensus {
            let Some(&record) = canonical.get(&citation) else { continue };
            let reference = records::record_by_id(&mut conn, self.review.id, record).await?.reference;
            rows.push(StudyRow {
                label: label_of.get(&citation).cloned().unwrap_or_default(),
                reference: Some(reference),
                values,
                level: levels.get(&citation).map(|(_, level)| level.clone()),
                appraisals: appraisals.remove(&citation).unwrap_or_default(),
                position: citation.0,
            });
        }
        Ok(characteristics::build(&spec, &form, &rows))
    }

    /// Sets a stream's flow counts by hand (TOML, or CSV `box,count`; `docs/flow.md`), for
    /// counts the records cannot give: a review screened elsewhere, or a published one rebuilt.
    /// The counts are checked before they are stored. `None` returns the stream to derived
    /// counts.
    pub async fn set_flow_counts(
        &self,
        actor: &Actor,
        stream: Option<&str>,
        text: Option<&str>,
    ) -> ServiceResult<()> {
        let stream = self.stream(stream).await?;
        if let Some(text) = text {
            let options = self.flow_options(None).await?;
            parse_manual(text, &options)?;
        }
        let now = clock::now();
        let mut tx = self.store.write().await?;
        self.require(tx.conn(), actor, Permission::Manage).await?;
        store::set_flow_counts(tx.conn(), stream.id, text, &actor.name, &now).await?;
        reviews::append_event(
            tx.conn(),
            self.review.id,
            &now,
            &actor.name,
            "flow.counts_set",
            Some(&stream.name),
            &json!({
                "manual": text.is_some(),
            }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A stream's typed-in counts as given, if it has them (a cheap look, unlike
    /// [`Service::stream_flow`], which derives the counts when it has none).
    pub async fn typed_flow_counts(&self, stream: Option<&str>) -> ServiceResult<Option<String>> {
        let stream = self.stream(stream).await?;
        let mut conn = self.store.read().await?;
        Ok(store::flow_counts(&mut conn, stream.id).await?)
    }

    /// The text to type a stream's counts from: its typed-in counts (`true`) when it has
    /// them, else its derived counts written as TOML (`false`), to change where the records
    /// cannot tell.
    pub async fn flow_counts_text(&self, stream: Option<&str>) -> ServiceResult<(String, bool)> {
        if let Some(text) = self.typed_flow_counts(stream).await? {
            return Ok((text, true));
        }
        let flow = self.stream_flow(stream).await?;
        Ok(match flow.source {
            FlowSource::Manual(text) => (text, true),
            FlowSource::Derived => {
                let previous = match flow.options.template {
                    Some(Template::Updated { previous_studies, previous_reports }) => {
                        Some((previous_studies, previous_reports))
                    }
                    _ => None,
                };
                (manual::to_toml(&flow.counts, previous), false)
            }
        })
    }

    /// A stream's flow diagram counts and drawing options: typed-in counts when the stream
    /// has them, else derived from its records.
    pub async fn stream_flow(&self, stream: Option<&str>) -> ServiceResult<StreamFlow> {
        let stream = self.stream(stream).await?;
        let manual = {
            let mut conn = self.store.read().await?;
            store::flow_counts(&mut conn, stream.id).await?
        };
        let mut options = self.flow_options(stream.description.clone()).await?;
        match manual {
            Some(text) => {
                let counts = parse_manual(&text, &options)?;
                if let Some(t) = counts.template() {
                    options.template = Some(t);
                }
                options.not_reported = counts.not_reported.clone();
                Ok(StreamFlow {
                    stream: stream.name,
                    description: stream.description,
                    counts: counts.counts,
                    source: FlowSource::Manual(text),
                    options,
                })
            }
            None => {
                // A living review's stream draws its latest round beside the studies included
                // before (the updated-review template).
                // One read of the stream serves both the updated and the plain diagram.
                let inputs = self.prisma_inputs(Some(&stream.name)).await?;
                let counts = match self.prisma_update_from(&inputs).await? {
                    Some(update) => {
                        options.template = Some(Template::Updated {
                            previous_studies: update.previous_studies,
                            previous_reports: update.previous_reports,
                        });
                        update.counts
                    }
                    None => {
                        let counts = inputs.prisma();
                        if counts.other_methods_identified_by_source.iter().any(|s| s.count > 0) {
                            options.template = Some(Template::NewWithOtherMethods);
                        }
                        counts
                    }
                };
                Ok(StreamFlow {
                    stream: stream.name,
                    description: stream.description,
                    counts,
                    source: FlowSource::Derived,
                    options,
                })
            }
        }
    }

    async fn flow_options(&self, title: Option<String>) -> ServiceResult<FlowOptions> {
        let mut options = FlowOptions::for_review(self.review.review_type);
        options.title = title;
        options.per_database = true;
        Ok(options)
    }

    /// The search appendix rows: every search of every stream, in order.
    pub async fn appendix_searches(&self) -> ServiceResult<Vec<AppendixSearch>> {
        let summaries = self.searches(None).await?;
        let duplicates = {
            let mut conn = self.store.read().await?;
            sift_store::searches::duplicate_counts(&mut conn, self.review.id).await?
        };
        Ok(summaries
            .iter()
            .map(|s| AppendixSearch {
                stream: s.stream.clone(),
                source: s.search.source.clone(),
                platform: s.search.platform.clone(),
                kind: s.search.kind.as_str().to_string(),
                query: s.search.query.clone(),
                run_date: s.search.run_date.clone(),
                limits: s.search.limits.clone(),
                hits_reported: s.search.hits_reported,
                records_imported: s.n_records,
                duplicates_removed: Some(duplicates.get(&s.search.id).copied().unwrap_or(0)),
                files: s.files.iter().map(|f| f.file_name.clone()).collect(),
                updates: s.search.updates.map(|u| u.0),
                id: s.search.id.0,
            })
            .collect())
    }

    /// A traffic-light plot (SVG) per appraisal tool in use: one row per appraised citation
    /// and appraiser (the appraiser named when a citation has several), labelled by study.
    pub async fn appraisal_plots(&self) -> ServiceResult<Vec<(String, String)>> {
        use sift_report::robplot::{RobRow, traffic_light_svg};
        let appraisals = self.appraisals().await?;
        if appraisals.is_empty() {
            return Ok(Vec::new());
        }
        let tools = self.appraisal_tools().await?;
        let mut conn = self.store.read().await?;
        let (canonical, label_of) = self.citation_records_and_studies(&mut conn, None).await?;
        let mut by_tool: BTreeMap<
            String,
            Vec<&(CitationId, String, String, sift_domain::appraisal::Appraisal)>,
        > = BTreeMap::new();
        for a in &appraisals {
            by_tool.entry(a.1.clone()).or_default().push(a);
        }
        let mut plots = Vec::new();
        for (key, rows) in by_tool {
            let Some(tool) = tools.iter().find(|t| t.key == key) else { continue };
            let mut plot_rows = Vec::new();
            for (citation, _, appraiser, appraisal) in rows {
                let label = match label_of.get(citation) {
                    Some(label) => label.clone(),
                    None => match canonical.get(citation) {
                        Some(&record) => characteristics::author_year(
                            &records::record_by_id(&mut conn, self.review.id, record).await?.reference,
                        ),
                        None => format!("citation {citation}"),
                    },
                };
                let several = appraisals.iter().filter(|a| a.0 == *citation && a.1 == key).count() > 1;
                plot_rows.push(RobRow {
                    study: if several { format!("{label} ({appraiser})") } else { label },
                    judgements: tool
                        .domains
                        .iter()
                        .map(|d| appraisal.judgements.get(&d.key).cloned())
                        .collect(),
                    overall: appraisal.overall.clone(),
                });
            }
            let title = format!("Quality appraisal: {}", tool.name);
            plots.push((key, traffic_light_svg(tool, &plot_rows, Some(&title))));
        }
        Ok(plots)
    }

    /// The review's kind, for the flow diagram's wording.
    pub fn review_type(&self) -> ReviewType {
        self.review.review_type
    }
}

fn parse_manual(text: &str, options: &FlowOptions) -> ServiceResult<ManualCounts> {
    let looks_csv =
        text.lines().find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#')).is_some_and(|l| {
            let l = l.trim();
            l.contains(',') && !l.contains('=')
        });
    let parsed = if looks_csv { manual::from_csv(text) } else { manual::from_toml(text) };
    let counts = parsed.map_err(|e| ServiceError::invalid("flow counts", e.to_string()))?;
    let mut options = options.clone();
    if let Some(t) = counts.template() {
        options.template = Some(t);
    }
    options.not_reported = counts.not_reported.clone();
    sift_report::flow::check(&counts.counts, &options)
        .map_err(|e| ServiceError::invalid("flow counts", e.to_string()))?;
    Ok(counts)
}

/// One file of a report.
#[derive(Clone, Debug)]
pub struct ReportFile {
    /// Relative path inside the report folder, `/`-separated.
    pub path: String,
    pub bytes: Vec<u8>,
    /// What it is, for listings: "flow diagram (PNG)".
    pub what: String,
}

/// A built report bundle and what it was built for.
#[derive(Debug)]
pub(crate) struct CachedReport {
    latest_event: i64,
    actor: String,
    bundle: ReportBundle,
}

/// Every file of `sift report`, as bytes; front ends write or serve them.
#[derive(Clone, Debug, Default)]
pub struct ReportBundle {
    pub files: Vec<ReportFile>,
    /// Streams skipped because they hold no searches and no typed-in counts.
    pub empty_streams: Vec<String>,
    /// Things the report could not include, with why (a diagram whose counts do not add up).
    pub problems: Vec<String>,
    /// The study-characteristics tables as built, by name (written above in every format).
    pub tables: Vec<(String, Table)>,
}

impl ReportBundle {
    fn add(&mut self, path: impl Into<String>, bytes: impl Into<Vec<u8>>, what: impl Into<String>) {
        self.files.push(ReportFile { path: path.into(), bytes: bytes.into(), what: what.into() });
    }
}

impl Service {
    /// The whole report: per stream the flow diagram (SVG, PNG, PDF, and its counts as JSON)
    /// and the included records (RIS, CSV); the study-characteristics tables (Markdown, CSV,
    /// HTML, one DOCX and one XLSX of all); the search appendix (Markdown, HTML, DOCX, CSV);
    /// screening progress and agreement; and an `index.html` linking them.
    ///
    /// The last bundle is kept while the review has no newer event (every change appends
    /// one) and the same member asks (what a member may see differs while a stage is blinded),
    /// so viewing the reports page and downloading its files does not rebuild it each time.
    pub async fn report_bundle(&self, actor: &Actor) -> ServiceResult<ReportBundle> {
        let latest_event = {
            let mut conn = self.store.read().await?;
            self.require(&mut conn, actor, Permission::Read).await?;
            sift_store::reviews::latest_event(&mut conn, self.review.id).await?
        };
        let cached = |cache: &Option<CachedReport>| {
            cache
                .as_ref()
                .filter(|c| c.latest_event == latest_event && c.actor == actor.name)
                .map(|c| c.bundle.clone())
        };
        if let Some(bundle) = cached(&self.report.lock().unwrap_or_else(PoisonError::into_inner)) {
            return Ok(bundle);
        }
        let bundle = self.build_report_bundle(actor).await?;
        *self.report.lock().unwrap_or_else(PoisonError::into_inner) =
            Some(CachedReport { latest_event, actor: actor.name.clone(), bundle: bundle.clone() });
        Ok(bundle)
    }

    async fn build_report_bundle(&self, actor: &Actor) -> ServiceResult<ReportBundle> {
        use sift_domain::screening::{Decision, Stage};
        use sift_report::{appendix, render, tables};
        let mut bundle = ReportBundle::default();
        let mut index = IndexPage::new(&self.review.title);
        let searches = self.searches(None).await?;

        // Flow diagrams and included records, per stream.
        let mut flow_sections = Vec::new();
        let mut drawn: Vec<StreamFlow> = Vec::new();
        for stream in self.streams().await? {
            let has_searches = searches.iter().any(|s| s.stream == stream.name);
            let manual = {
                let mut conn = self.store.read().await?;
                store::flow_counts(&mut conn, stream.id).await?.is_some()
            };
            if !has_searches && !manual {
                bundle.empty_streams.push(stream.name.clone());
                continue;
            }
            let flow = self.stream_flow(Some(&stream.name)).await?;
            drawn.push(flow.clone());
            let base = format!("flow/{}", stream.name);
            let svg = match sift_report::flow::flow_svg(&flow.counts, &flow.options) {
                Ok(svg) => svg,
                Err(e) => {
                    bundle.problems.push(format!("stream {}: flow diagram not drawn: {e}", stream.name));
                    continue;
                }
            };
            let render_error =
                |e: sift_report::flow::FlowError| ServiceError::invalid("flow diagram", e.to_string());
            bundle.add(
                format!("{base}.png"),
                render::render_png(&svg, 2.0).map_err(render_error)?,
                "flow diagram (PNG)",
            );
            bundle.add(
                format!("{base}.pdf"),
                render::render_pdf(&svg).map_err(render_error)?,
                "flow diagram (PDF)",
            );
            let json = json!({
                "stream": flow.stream,
                "source": match &flow.source { FlowSource::Derived => "derived", FlowSource::Manual(_) => "typed in" },
                "counts": flow.counts,
                "not_reported": flow.options.not_reported.iter().map(|c| c.key()).collect::<Vec<_>>(),
            });
            bundle.add(
                format!("{base}.json"),
                serde_json::to_vec_pretty(&json).unwrap_or_default(),
                "flow counts (JSON)",
            );
            let mut links = vec![
                (format!("{base}.svg"), "SVG".to_string()),
                (format!("{base}.png"), "PNG".to_string()),
                (format!("{base}.pdf"), "PDF".to_string()),
                (format!("{base}.json"), "counts".to_string()),
            ];
            let included =
                self.screened_table(actor, Some(&stream.name), Stage::FullText, Decision::Include).await?;
            if !included.rows.is_empty() {
                let n = included.rows.len();
                let mut ris = Vec::new();
                self.export_screened(
                    actor,
                    Some(&stream.name),
                    Stage::FullText,
                    Decision::Include,
                    ExportFormat::Ris,
                    &mut ris,
                )
                .await?;
                let base = format!("included/{}", stream.name);
                bundle.add(format!("{base}.ris"), ris, "included records (RIS)");
                bundle.add(format!("{base}.csv"), tables::to_csv(&included), "included records (CSV)");
                bundle.add(
                    format!("{base}.xlsx"),
                    tables::to_xlsx(&[("included", &included)]).map_err(report_error)?,
                    "included records (XLSX)",
                );
                links.push((format!("{base}.ris"), format!("{n} included (RIS)")));
                links.push((format!("{base}.xlsx"), "XLSX".into()));
            }
            let excluded =
                self.screened_table(actor, Some(&stream.name), Stage::FullText, Decision::Exclude).await?;
            if !excluded.rows.is_empty() {
                let base = format!("excluded/{}-full-text", stream.name);
                bundle.add(
                    format!("{base}.csv"),
                    tables::to_csv(&excluded),
                    "reports excluded at full text, with reasons (CSV)",
                );
                bundle.add(
                    format!("{base}.xlsx"),
                    tables::to_xlsx(&[("excluded at full text", &excluded)]).map_err(report_error)?,
                    "reports excluded at full text, with reasons (XLSX)",
                );
                links.push((
                    format!("{base}.xlsx"),
                    format!("{} excluded at full text, with reasons", excluded.rows.len()),
                ));
            }
            let note = match &flow.source {
                FlowSource::Derived => "Counts derived from the review's records and decisions.".to_string(),
                FlowSource::Manual(_) => {
                    "Counts typed in (`sift flow set`): the records cannot give them.".to_string()
                }
            };
            flow_sections.push(FlowSection {
                name: stream.name.clone(),
                description: flow.description.clone(),
                svg: svg.clone(),
                note,
                links,
            });
            bundle.add(format!("{base}.svg"), svg, "flow diagram (SVG)");
        }
        // The whole review, when it has more than one stream: every box summed.
        if drawn.len() > 1 {
            let (counts, options) = review_flow(&drawn, &self.review.title);
            match sift_report::flow::flow_svg(&counts, &options) {
                Ok(svg) => {
                    let render_error = |e: sift_report::flow::FlowError| {
                        ServiceError::invalid("flow diagram", e.to_string())
                    };
                    bundle.add(
                        "flow/review.png",
                        render::render_png(&svg, 2.0).map_err(render_error)?,
                        "flow diagram of the whole review (PNG)",
                    );
                    bundle.add(
                        "flow/review.pdf",
                        render::render_pdf(&svg).map_err(render_error)?,
                        "flow diagram of the whole review (PDF)",
                    );
                    let json = json!({
                        "stream": null,
                        "streams": drawn.iter().map(|f| &f.stream).collect::<Vec<_>>(),
                        "counts": counts,
                        // A box summed over a stream that does not report it is not reported.
                        "not_reported": options.not_reported.iter().map(|c| c.key()).collect::<Vec<_>>(),
                    });
                    bundle.add(
                        "flow/review.json",
                        serde_json::to_vec_pretty(&json).unwrap_or_default(),
                        "flow counts of the whole review (JSON)",
                    );
                    flow_sections.insert(0, FlowSection {
                        name: "review".into(),
                        description: Some(format!("The whole review ({} streams)", drawn.len())),
                        svg: svg.clone(),
                        note: "Every box summed over the streams; a box not reported in any stream is not reported here.".into(),
                        links: vec![
                            ("flow/review.svg".into(), "SVG".into()),
                            ("flow/review.png".into(), "PNG".into()),
                            ("flow/review.pdf".into(), "PDF".into()),
                            ("flow/review.json".into(), "counts".into()),
                        ],
                    });
                    bundle.add("flow/review.svg", svg, "flow diagram of the whole review (SVG)");
                }
                Err(e) => bundle.problems.push(format!("whole review: flow diagram not drawn: {e}")),
            }
        }
        index.flows(&flow_sections);

        // Study-characteristics tables.
        let specs = self.report_tables().await?;
        if !specs.is_empty() {
            let mut built = Vec::new();
            for spec in &specs {
                let table = self.characteristics_table(&spec.name).await?;
                let base = format!("tables/{}", spec.name);
                bundle.add(format!("{base}.md"), tables::to_markdown(&table), "table (Markdown)");
                bundle.add(format!("{base}.csv"), tables::to_csv(&table), "table (CSV)");
                bundle.add(
                    format!("{base}.html"),
                    tables::html_page(&self.review.title, &tables::to_html(&table)),
                    "table (HTML)",
                );
                built.push((spec.name.clone(), table));
            }
            let all: Vec<Table> = built.iter().map(|(_, t)| t.clone()).collect();
            let docx = tables::to_docx(&all, Some(&self.review.title)).map_err(report_error)?;
            bundle.add("tables/tables.docx", docx, "all tables (DOCX)");
            let sheets: Vec<(&str, &Table)> = built.iter().map(|(n, t)| (n.as_str(), t)).collect();
            bundle.add(
                "tables/tables.xlsx",
                tables::to_xlsx(&sheets).map_err(report_error)?,
                "all tables (XLSX)",
            );
            index.tables(&built);
            bundle.tables = built;
        }

        // Meta-analyses, on the forms' current consensus values.
        let analyses = self.report_analyses().await?;
        if !analyses.is_empty() {
            let mut sections = Vec::new();
            for spec in &analyses {
                let analysis = match self.run_spec(spec).await {
                    Ok(analysis) => analysis,
                    Err(e) => {
                        bundle.problems.push(format!("analysis {}: not drawn: {e}", spec.name));
                        continue;
                    }
                };
                let base = format!("analyses/{}", spec.name);
                let summary = analysis.summary();
                let forest = sift_report::forest::forest_svg(&analysis.forest(spec.title.clone()));
                let funnel = sift_report::forest::funnel_svg(&analysis.funnel(spec.title.clone()));
                let json = serde_json::to_string_pretty(&analysis)
                    .map_err(|e| ServiceError::invalid("analysis", e.to_string()))?;
                let rendered = render::render_png(&forest, 2.0).and_then(|png| {
                    Ok((png, render::render_pdf(&forest)?, render::render_png(&funnel, 2.0)?))
                });
                let (forest_png, forest_pdf, funnel_png) = match rendered {
                    Ok(files) => files,
                    Err(e) => {
                        bundle.problems.push(format!("analysis {}: plots not rendered: {e}", spec.name));
                        continue;
                    }
                };
                bundle.add(format!("{base}.txt"), summary.clone(), "meta-analysis (text)");
                bundle.add(format!("{base}.json"), json, "meta-analysis, every number (JSON)");
                bundle.add(format!("{base}-forest.svg"), forest.clone(), "forest plot (SVG)");
                bundle.add(format!("{base}-forest.png"), forest_png, "forest plot (PNG)");
                bundle.add(format!("{base}-forest.pdf"), forest_pdf, "forest plot (PDF)");
                bundle.add(format!("{base}-funnel.svg"), funnel, "funnel plot (SVG)");
                bundle.add(format!("{base}-funnel.png"), funnel_png, "funnel plot (PNG)");
                // The plots of what the spec asks for beyond the pooled analysis.
                let asked = [
                    (
                        analysis
                            .cumulative_forest(spec.title.clone())
                            .map(|p| sift_report::forest::forest_svg(&p)),
                        "cumulative",
                        "cumulative meta-analysis",
                    ),
                    (
                        analysis
                            .trim_and_fill_funnel(spec.title.clone())
                            .map(|p| sift_report::forest::funnel_svg(&p)),
                        "trimfill",
                        "funnel plot with trim and fill's studies",
                    ),
                ];
                for (svg, suffix, what) in asked {
                    let Some(svg) = svg else { continue };
                    match render::render_png(&svg, 2.0) {
                        Ok(png) => bundle.add(format!("{base}-{suffix}.png"), png, format!("{what} (PNG)")),
                        Err(e) => {
                            bundle.problems.push(format!("analysis {}: {what} not rendered: {e}", spec.name))
                        }
                    }
                    bundle.add(format!("{base}-{suffix}.svg"), svg, format!("{what} (SVG)"));
                }
                sections.push(AnalysisSection {
                    name: spec.name.clone(),
                    title: spec.title.clone(),
                    summary,
                    forest,
                });
            }
            index.analyses(&sections);
        }

        // Traffic-light plots of each appraisal tool used.
        let plots = self.appraisal_plots().await?;
        if !plots.is_empty() {
            let mut links = Vec::new();
            for (tool, svg) in &plots {
                let base = format!("appraisal/{tool}");
                let png = render::render_png(svg, 2.0)
                    .map_err(|e| ServiceError::invalid("appraisal plot", e.to_string()))?;
                bundle.add(format!("{base}.png"), png, "risk-of-bias plot (PNG)");
                bundle.add(format!("{base}.svg"), svg.clone(), "risk-of-bias plot (SVG)");
                links.push((format!("{base}.svg"), format!("{tool} (SVG)")));
                links.push((format!("{base}.png"), format!("{tool} (PNG)")));
            }
            let links: Vec<(&str, &str)> = links.iter().map(|(p, l)| (p.as_str(), l.as_str())).collect();
            index.links("Quality appraisal", &links);
        }

        // The search appendix.
        let appendix_rows = self.appendix_searches().await?;
        if !appendix_rows.is_empty() {
            bundle.add(
                "searches/appendix.md",
                appendix::appendix_markdown(&self.review.title, &appendix_rows),
                "search appendix (Markdown)",
            );
            bundle.add(
                "searches/appendix.html",
                appendix::appendix_html(&self.review.title, &appendix_rows),
                "search appendix (HTML)",
            );
            bundle.add(
                "searches/appendix.docx",
                appendix::appendix_docx(&self.review.title, &appendix_rows).map_err(report_error)?,
                "search appendix (DOCX)",
            );
            bundle.add(
                "searches/searches.csv",
                tables::to_csv(&appendix::appendix_table(&appendix_rows)),
                "searches (CSV)",
            );
            index.links(
                "Search appendix",
                &[
                    ("searches/appendix.html", "HTML"),
                    ("searches/appendix.md", "Markdown"),
                    ("searches/appendix.docx", "DOCX"),
                    ("searches/searches.csv", "CSV"),
                ],
            );
        }

        // Screening progress and agreement, per stream and stage, where anyone has voted.
        let mut screening = String::new();
        for stream in self.streams().await? {
            if bundle.empty_streams.contains(&stream.name) {
                continue;
            }
            for stage in [Stage::TitleAbstract, Stage::FullText] {
                let progress = self.progress(actor, Some(&stream.name), stage).await?;
                if progress.per_reviewer.is_empty() && progress.n_resolved == 0 {
                    continue;
                }
                screening.push_str(&progress_markdown(&stream.name, &progress));
                let agreement = self.agreement(actor, Some(&stream.name), stage).await?;
                if !agreement.pairs.is_empty() {
                    screening.push_str(&agreement_markdown(&agreement));
                }
            }
        }
        if !screening.is_empty() {
            bundle.add(
                "screening.md",
                format!("# Screening\n\n{screening}"),
                "screening progress and agreement (Markdown)",
            );
            index.links("Screening progress and inter-rater agreement", &[("screening.md", "Markdown")]);
        }

        let listing: Vec<(String, String)> =
            bundle.files.iter().map(|f| (f.path.clone(), f.what.clone())).collect();
        index.problems(&bundle.problems);
        bundle.add("index.html", index.finish(&listing), "report index (HTML)");
        Ok(bundle)
    }
}

/// The whole review's counts and drawing options from its streams': boxes summed, a box not
/// reported in any stream not reported, the other-methods column when any stream has one, and
/// the updated-review template (previous versions summed) when any stream is an update.
fn review_flow(streams: &[StreamFlow], title: &str) -> (PrismaCounts, FlowOptions) {
    let counts = PrismaCounts::sum(streams.iter().map(|f| &f.counts));
    let mut options = streams[0].options.clone();
    options.title = Some(title.to_string());
    options.not_reported = streams.iter().flat_map(|f| f.options.not_reported.iter().cloned()).collect();
    let previous = streams.iter().fold(None, |acc: Option<(i64, i64)>, f| match (acc, f.options.template) {
        (acc, Some(Template::Updated { previous_studies, previous_reports })) => {
            let (s, r) = acc.unwrap_or((0, 0));
            Some((s + previous_studies, r + previous_reports))
        }
        (acc, _) => acc,
    });
    options.template = match previous {
        Some((previous_studies, previous_reports)) => {
            Some(Template::Updated { previous_studies, previous_reports })
        }
        None if streams.iter().any(|f| f.options.template == Some(Template::NewWithOtherMethods)) => {
            Some(Template::NewWithOtherMethods)
        }
        None => None,
    };
    (counts, options)
}

fn report_error(e: sift_report::tables::ReportError) -> ServiceError {
    ServiceError::invalid("report", e.to_string())
}

fn progress_markdown(stream: &str, p: &crate::Progress) -> String {
    use sift_report::tables::{Column, Table, to_markdown};
    let mut out = format!(
        "## {stream}, {}\n\n{} citations; {} resolved ({} included, {} excluded).",
        p.stage, p.n_citations, p.n_resolved, p.n_included, p.n_excluded
    );
    if let Some(n) = p.n_conflicts {
        out.push_str(&format!(" {n} conflicts waiting for a resolver."));
    }
    if !p.by_method.is_empty() {
        let methods: Vec<String> =
            p.by_method.iter().map(|(m, n)| format!("{} {n}", m.as_str().replace('-', " "))).collect();
        out.push_str(&format!(" Resolved by: {}.", methods.join(", ")));
    }
    out.push_str("\n\n");
    if !p.per_reviewer.is_empty() {
        let mut t = Table::new(vec![
            Column::left("Reviewer"),
            Column::right("Screened"),
            Column::right("Seconds per vote"),
        ]);
        for (name, n) in &p.per_reviewer {
            let seconds = p
                .seconds_per_vote
                .iter()
                .find(|(m, _)| m == name)
                .and_then(|(_, s)| *s)
                .map(|s| format!("{s:.0}"))
                .unwrap_or_default();
            t.push_cells([name.clone(), n.to_string(), seconds]);
        }
        out.push_str(&to_markdown(&t));
        out.push('\n');
    }
    out
}

fn agreement_markdown(a: &crate::Agreement) -> String {
    use sift_report::tables::{Column, Table, to_markdown};
    let mut t = Table::new(vec![
        Column::left("Reviewers"),
        Column::right("Citations"),
        Column::right("Agreement %"),
        Column::right("Cohen's kappa"),
        Column::right("95% CI"),
    ]);
    for p in &a.pairs {
        let (kappa, ci) = match &p.kappa {
            Some(k) => (format!("{:.2}", k.kappa), format!("{:.2} to {:.2}", k.ci_low, k.ci_high)),
            None => ("undefined".into(), String::new()),
        };
        t.push_cells([
            format!("{} and {}", p.a, p.b),
            p.n.to_string(),
            format!("{:.1}", p.proportion_agreed * 100.0),
            kappa,
            ci,
        ]);
    }
    let mut out = format!(
        "Inter-rater agreement over {} resolved citations with two or more votes.\n\n",
        a.n_citations
    );
    out.push_str(&to_markdown(&t));
    if let Some(f) = &a.fleiss {
        out.push_str(&format!(
            "\nFleiss' kappa ({} raters): {:.2} (95% CI {:.2} to {:.2}).\n",
            a.fleiss_raters, f.kappa, f.ci_low, f.ci_high
        ));
    }
    out.push('\n');
    out
}

/// One stream's diagram on the index page.
struct FlowSection {
    name: String,
    description: Option<String>,
    svg: String,
    note: String,
    /// (path, link text)
    links: Vec<(String, String)>,
}

/// One meta-analysis on the index page.
struct AnalysisSection {
    name: String,
    title: Option<String>,
    summary: String,
    forest: String,
}

/// The report's `index.html`: diagrams inline, tables inline, links to every file.
struct IndexPage {
    title: String,
    body: String,
    /// (anchor, heading) of each part, for the contents line.
    sections: Vec<(String, String)>,
}

impl IndexPage {
    fn new(title: &str) -> IndexPage {
        IndexPage { title: title.to_string(), body: String::new(), sections: Vec::new() }
    }

    fn flows(&mut self, sections: &[FlowSection]) {
        if sections.is_empty() {
            return;
        }
        self.heading("flows", &format!("Flow diagrams ({})", sections.len()));
        for FlowSection { name, description, svg, note, links } in sections {
            let heading = description.clone().unwrap_or_else(|| name.clone());
            self.body.push_str(&format!("<section><h3>{}</h3>\n<p>{}</p>\n<p>", esc(&heading), esc(note)));
            let links: Vec<String> =
                links.iter().map(|(p, l)| format!("<a href=\"{}\">{}</a>", esc(p), esc(l))).collect();
            self.body.push_str(&links.join(" · "));
            // The SVG inline, without its XML declaration.
            let svg = svg.find("<svg").map_or(svg.as_str(), |i| &svg[i..]);
            self.body.push_str(&format!("</p>\n<div class=\"flow\">{svg}</div></section>\n"));
        }
    }

    fn tables(&mut self, tables: &[(String, Table)]) {
        self.heading("tables", &format!("Study characteristics ({} tables)", tables.len()));
        self.body.push_str("<p>All tables: <a href=\"tables/tables.docx\">DOCX</a> · <a href=\"tables/tables.xlsx\">XLSX</a></p>\n");
        for (name, table) in tables {
            self.body.push_str(&format!(
                "<section>{}<p><a href=\"tables/{n}.md\">Markdown</a> · <a href=\"tables/{n}.csv\">CSV</a> · <a href=\"tables/{n}.html\">HTML</a></p></section>\n",
                sift_report::tables::to_html(table),
                n = esc(name)
            ));
        }
    }

    fn analyses(&mut self, sections: &[AnalysisSection]) {
        if sections.is_empty() {
            return;
        }
        self.heading("analyses", &format!("Meta-analyses ({})", sections.len()));
        for AnalysisSection { name, title, summary, forest } in sections {
            let n = esc(name);
            self.body.push_str(&format!(
                "<section><h3>{}</h3>\n<p><a href=\"analyses/{n}-forest.svg\">forest plot SVG</a> · <a href=\"analyses/{n}-forest.png\">PNG</a> · <a href=\"analyses/{n}-forest.pdf\">PDF</a> · <a href=\"analyses/{n}-funnel.svg\">funnel plot</a> · <a href=\"analyses/{n}.txt\">text</a> · <a href=\"analyses/{n}.json\">JSON</a></p>\n",
                esc(title.as_deref().unwrap_or(name))
            ));
            let svg = forest.find("<svg").map_or(forest.as_str(), |i| &forest[i..]);
            self.body.push_str(&format!(
                "<div class=\"flow\">{svg}</div>\n<pre>{}</pre></section>\n",
                esc(summary)
            ));
        }
    }

    fn links(&mut self, heading: &str, links: &[(&str, &str)]) {
        let links: Vec<String> =
            links.iter().map(|(p, l)| format!("<a href=\"{}\">{}</a>", esc(p), esc(l))).collect();
        let id = heading.to_ascii_lowercase().split_whitespace().collect::<Vec<_>>().join("-");
        self.heading(&id, heading);
        self.body.push_str(&format!("<p>{}</p>\n", links.join(" · ")));
    }

    fn heading(&mut self, id: &str, text: &str) {
        self.body.push_str(&format!("<h2 id=\"{}\">{}</h2>\n", esc(id), esc(text)));
        self.sections.push((id.to_string(), text.to_string()));
    }

    fn problems(&mut self, problems: &[String]) {
        if problems.is_empty() {
            return;
        }
        self.body.push_str("<h2>Not included</h2>\n<ul>\n");
        for p in problems {
            self.body.push_str(&format!("<li>{}</li>\n", esc(p)));
        }
        self.body.push_str("</ul>\n");
    }

    fn finish(mut self, files: &[(String, String)]) -> String {
        self.body.push_str("<h2 id=\"files\">Every file</h2>\n<ul>\n");
        for (path, what) in files {
            self.body.push_str(&format!("<li><a href=\"{p}\">{p}</a>: {}</li>\n", esc(what), p = esc(path)));
        }
        self.body.push_str("</ul>\n");
        // Diagrams shrink to the page; a contents line leads to each part.
        let style = "<style>.flow svg{max-width:100%;height:auto} section{margin-bottom:2.5em} nav a{margin-right:1em}</style>\n";
        let mut nav = String::from("<nav>");
        for (id, label) in &self.sections {
            nav.push_str(&format!("<a href=\"#{id}\">{}</a>", esc(label)));
        }
        nav.push_str("<a href=\"#files\">Every file</a></nav>\n");
        sift_report::tables::html_page(&self.title, &format!("{style}{nav}{}", self.body))
    }
}

fn esc(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
