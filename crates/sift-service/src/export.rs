//! Reading records back: listing, showing one, and exporting a set in any writer format.

use std::io::Write;

use sift_domain::RecordId;
use sift_formats::write::{ExportFormat, ExportRecord, RecordWriter};
use sift_store::records::{self, RecordFilter, StoredRecord};

use crate::{Service, ServiceError, ServiceResult};

/// What an export wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExportSummary {
    pub n_records: usize,
}

impl Service {
    /// Records matching `filter`, in import order; `stream` names a stream to restrict to.
    pub async fn records(
        &self,
        stream: Option<&str>,
        filter: &RecordFilter,
    ) -> ServiceResult<Vec<StoredRecord>> {
        let filter = self.with_stream(stream, filter).await?;
        let mut conn = self.store.read().await?;
        Ok(records::list_records(&mut conn, self.review.id, &filter).await?)
    }

    /// How many records match, ignoring limit and offset.
    pub async fn count_records(&self, stream: Option<&str>, filter: &RecordFilter) -> ServiceResult<i64> {
        let filter = self.with_stream(stream, filter).await?;
        let mut conn = self.store.read().await?;
        Ok(records::count_records(&mut conn, self.review.id, &filter).await?)
    }

    /// One record with its raw text.
    pub async fn record(&self, id: i64) -> ServiceResult<StoredRecord> {
        let mut conn = self.store.read().await?;
        records::record_by_id(&mut conn, self.review.id, RecordId(id)).await.map_err(|e| match e {
            sift_store::StoreError::NotFound { what, key } => ServiceError::NotFound {
                what,
                key,
                hint: " in this review; `sift records list` shows the ids".into(),
            },
            other => other.into(),
        })
    }

    /// Writes the canonical records of a screening set (citations resolved with `decision` at
    /// `stage`) to `out` in `format`.
    pub async fn export_screened<W: Write>(
        &self,
        actor: &crate::Actor,
        stream: Option<&str>,
        stage: sift_domain::screening::Stage,
        decision: sift_domain::screening::Decision,
        format: ExportFormat,
        out: W,
    ) -> ServiceResult<ExportSummary> {
        let set = self.screened(actor, stream, stage, decision).await?;
        let io_error = |source| ServiceError::Io { path: "output".into(), source };
        let mut writer = RecordWriter::new(out, format);
        for s in &set {
            let id = s.citation.to_string();
            writer
                .write(&ExportRecord {
                    reference: &s.record.reference,
                    id: Some(&id),
                    source_file: Some(&s.record.file_name),
                    source_line: Some(s.record.file_line),
                })
                .map_err(io_error)?;
        }
        writer.finish().map_err(io_error)?;
        Ok(ExportSummary { n_records: set.len() })
    }

    /// Writes the matching records to `out` in `format`.
    pub async fn export<W: Write>(
        &self,
        stream: Option<&str>,
        filter: &RecordFilter,
        format: ExportFormat,
        out: W,
    ) -> ServiceResult<ExportSummary> {
        let records = self.records(stream, filter).await?;
        let io_error = |source| ServiceError::Io { path: "output".into(), source };
        let mut writer = RecordWriter::new(out, format);
        for record in &records {
            let id = record.id.to_string();
            writer
                .write(&ExportRecord {
                    reference: &record.reference,
                    id: Some(&id),
                    source_file: Some(&record.file_name),
                    source_line: Some(record.file_line),
                })
                .map_err(io_error)?;
        }
        writer.finish().map_err(io_error)?;
        Ok(ExportSummary { n_records: records.len() })
    }

    async fn with_stream(&self, stream: Option<&str>, filter: &RecordFilter) -> ServiceResult<RecordFilter> {
        let mut filter = filter.clone();
        if let Some(name) = stream {
            filter.stream = Some(self.stream(Some(name)).await?.id);
        }
        Ok(filter)
    }
}

/// The bibliographic columns of a record table.
const RECORD_COLUMNS: [&str; 9] =
    ["Authors", "Year", "Title", "Journal", "Volume", "Issue", "Pages", "DOI", "PMID"];

fn record_cells(r: &sift_domain::Reference) -> Vec<String> {
    vec![
        r.authors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "),
        r.year.map(|y| y.to_string()).unwrap_or_default(),
        r.title.clone().unwrap_or_default(),
        r.journal.clone().or_else(|| r.journal_abbrev.clone()).unwrap_or_default(),
        r.volume.clone().unwrap_or_default(),
        r.issue.clone().unwrap_or_default(),
        r.pages.clone().unwrap_or_default(),
        r.doi.clone().unwrap_or_default(),
        r.pmid.clone().unwrap_or_default(),
    ]
}

impl Service {
    /// A screening set as a table for people (CSV, XLSX): each citation with its decision,
    /// the exclusion reason and how it was resolved.
    pub async fn screened_table(
        &self,
        actor: &crate::Actor,
        stream: Option<&str>,
        stage: sift_domain::screening::Stage,
        decision: sift_domain::screening::Decision,
    ) -> ServiceResult<sift_report::tables::Table> {
        use sift_report::tables::{Column, Table};
        let set = self.screened(actor, stream, stage, decision).await?;
        let mut columns = vec![Column::right("Citation")];
        columns.extend(RECORD_COLUMNS.iter().map(|c| Column::left(*c)));
        columns.extend([
            Column::left("Stage"),
            Column::left("Decision"),
            Column::left("Reason"),
            Column::left("Resolved by"),
        ]);
        let mut table = Table::new(columns);
        for s in &set {
            let mut cells = vec![s.citation.to_string()];
            cells.extend(record_cells(&s.record.reference));
            cells.extend([
                stage.to_string(),
                decision.to_string(),
                s.reason.clone().unwrap_or_default(),
                s.method.as_str().replace('-', " "),
            ]);
            table.push_cells(cells);
        }
        Ok(table)
    }

    /// Records matching `filter` as a table for people (XLSX): id, source file and line, and
    /// the bibliographic fields.
    pub async fn records_table(
        &self,
        stream: Option<&str>,
        filter: &RecordFilter,
    ) -> ServiceResult<sift_report::tables::Table> {
        use sift_report::tables::{Column, Table};
        let records = self.records(stream, filter).await?;
        let mut columns = vec![Column::right("Record"), Column::left("File"), Column::right("Line")];
        columns.extend(RECORD_COLUMNS.iter().map(|c| Column::left(*c)));
        let mut table = Table::new(columns);
        for r in &records {
            let mut cells = vec![r.id.to_string(), r.file_name.clone(), r.file_line.to_string()];
            cells.extend(record_cells(&r.reference));
            table.push_cells(cells);
        }
        Ok(table)
    }
}
