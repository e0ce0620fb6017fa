//! Reader placeholder while the real reader is written in parallel; replaced before landing.

use std::io::Read;

use crate::ParsedRecord;
use crate::decode::Utf8Input;
use crate::diagnostics::Diagnostics;

pub(crate) struct EndnoteXmlReader<R> {
    _input: Utf8Input<R>,
}

impl<R: Read> EndnoteXmlReader<R> {
    pub(crate) fn new(input: Utf8Input<R>) -> Self {
        EndnoteXmlReader { _input: input }
    }
}

impl<R: Read> crate::RecordSource for EndnoteXmlReader<R> {
    fn next_record(&mut self, diagnostics: &mut Diagnostics) -> Option<ParsedRecord> {
        diagnostics.fail(None, "reader missing");
        None
    }
}
