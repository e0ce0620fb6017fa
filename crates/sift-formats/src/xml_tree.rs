//! One record's XML as a small element tree, and the record loop both XML readers share.
//!
//! Records are small (a few kilobytes), so each one the splitter cuts out is parsed whole
//! with quick-xml into a tree of elements and text, and the readers pick fields out of it
//! by path. Entities are decoded on the way in; inline markup (`<i>`, `<sup>`, EndNote's
//! `<style>` runs) is flattened to its text when a value is read. A record that is not
//! well-formed becomes a warning naming its line, and reading goes on with the next one.

use std::io::Read;

use quick_xml::events::{BytesStart, Event};
use sift_domain::biblio::normalize;

use crate::ParsedRecord;
use crate::decode;
use crate::diagnostics::{Diagnostics, Severity};
use crate::xml_split::XmlSplitter;

/// An element with its attributes and content.
#[derive(Debug, Default)]
pub(crate) struct Element {
    pub name: String,
    attributes: Vec<(String, String)>,
    children: Vec<Node>,
}

#[derive(Debug)]
enum Node {
    Element(Element),
    Text(String),
}

/// A parsed record.
#[derive(Debug)]
pub(crate) struct Tree {
    pub root: Element,
    /// Named entities XML does not define (`&nbsp;` in an HTML-minded export), kept as written.
    pub unknown_entities: Vec<String>,
}

/// Why a record is not well-formed, and where (a byte offset into the record).
#[derive(Debug)]
pub(crate) struct TreeError {
    pub offset: usize,
    pub message: String,
}

/// Builds one record from its parsed tree, raw text and first line.
pub(crate) type BuildRecord = fn(&Element, &str, u32, &mut Diagnostics) -> ParsedRecord;

/// Reads records from `splitter` until one parses, reporting (and skipping) those that do
/// not; `None` at the end of the input.
pub(crate) fn next_record<R: Read>(
    splitter: &mut XmlSplitter<R>,
    diagnostics: &mut Diagnostics,
    build: BuildRecord,
) -> Option<ParsedRecord> {
    loop {
        let slice = splitter.next_record(diagnostics)?;
        let (line, name) = (slice.line, slice.name);
        let text = decode::record_text(slice.bytes, line, diagnostics);
        match parse(&text) {
            Ok(tree) => {
                for entity in &tree.unknown_entities {
                    diagnostics.repeat(
                        Severity::Note,
                        Some(line),
                        Some(&format!("&{entity};")),
                        "entity is not defined in XML; kept as written",
                    );
                }
                return Some(build(&tree.root, &text, line, diagnostics));
            }
            Err(error) => {
                let before = &text.as_bytes()[..error.offset.min(text.len())];
                let error_line = line.saturating_add(memchr::memchr_iter(b'\n', before).count() as u32);
                diagnostics.warn(
                    Some(error_line),
                    Some(name),
                    format!(
                        "record at line {line} is not well-formed XML ({} at line {error_line}); skipped",
                        error.message
                    ),
                );
            }
        }
    }
}

/// Parses one element (with whatever surrounds it ignored) into a tree.
pub(crate) fn parse(text: &str) -> Result<Tree, TreeError> {
    let mut reader = quick_xml::Reader::from_str(text);
    // A bare `&` is a common slip in hand-edited exports; keep it as text.
    reader.config_mut().allow_dangling_amp = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut unknown_entities = Vec::new();
    let fail = |reader: &quick_xml::Reader<&[u8]>, message: String| TreeError {
        offset: usize::try_from(reader.error_position()).unwrap_or(usize::MAX),
        message,
    };
    loop {
        let event = reader.read_event().map_err(|e| fail(&reader, e.to_string()))?;
        match event {
            Event::Start(start) => stack.push(element(&start)),
            Event::Empty(start) => attach(&mut stack, &mut root, element(&start)),
            Event::End(_) => {
                // quick-xml has checked that the name matches the open element.
                let Some(done) = stack.pop() else {
                    return Err(fail(&reader, "end tag without a start tag".into()));
                };
                attach(&mut stack, &mut root, done);
            }
            Event::Text(t) => push_text(&mut stack, &String::from_utf8_lossy(&t)),
            Event::CData(t) => push_text(&mut stack, &String::from_utf8_lossy(&t)),
            Event::GeneralRef(r) => {
                let name = String::from_utf8_lossy(&r).into_owned();
                match r.resolve_char_ref() {
                    Ok(Some(c)) => push_text(&mut stack, c.encode_utf8(&mut [0; 4])),
                    Ok(None) => match quick_xml::escape::resolve_xml_entity(&name) {
                        Some(value) => push_text(&mut stack, value),
                        None => {
                            push_text(&mut stack, &format!("&{name};"));
                            unknown_entities.push(name);
                        }
                    },
                    // `&#0;` or `&#xZZ;`: not a character; keep what was written.
                    Err(_) => {
                        push_text(&mut stack, &format!("&{name};"));
                        unknown_entities.push(name);
                    }
                }
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    if let Some(open) = stack.last() {
        return Err(TreeError { offset: text.len(), message: format!("<{}> is not closed", open.name) });
    }
    match root {
        Some(root) => Ok(Tree { root, unknown_entities }),
        None => Err(TreeError { offset: 0, message: "no element".into() }),
    }
}

fn element(start: &BytesStart<'_>) -> Element {
    let attributes = start
        .attributes()
        .flatten()
        .map(|a| {
            let key = String::from_utf8_lossy(a.key.as_ref()).into_owned();
            let value = match a.unescape_value() {
                Ok(v) => v.into_owned(),
                Err(_) => String::from_utf8_lossy(&a.value).into_owned(),
            };
            (key, value)
        })
        .collect();
    Element {
        name: String::from_utf8_lossy(start.name().as_ref()).into_owned(),
        attributes,
        children: Vec::new(),
    }
}

fn attach(stack: &mut [Element], root: &mut Option<Element>, element: Element) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(Node::Element(element)),
        None => {
            if root.is_none() {
                *root = Some(element);
            }
        }
    }
}

/// Appends text to the open element, merging it with text just before.
fn push_text(stack: &mut [Element], text: &str) {
    let Some(parent) = stack.last_mut() else {
        return;
    };
    match parent.children.last_mut() {
        Some(Node::Text(last)) => last.push_str(text),
        _ => parent.children.push(Node::Text(text.to_owned())),
    }
}

impl Element {
    /// The value of attribute `name`.
    pub(crate) fn attr(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Child elements named `name`.
    pub(crate) fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.elements().filter(move |e| e.name == name)
    }

    /// All child elements.
    pub(crate) fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    /// The first element at `path` (`a/b/c`, names of nested children), trying every
    /// branch.
    pub(crate) fn find(&self, path: &str) -> Option<&Element> {
        let (head, rest) = path.split_once('/').unwrap_or((path, ""));
        self.elements()
            .filter(|e| e.name == head)
            .find_map(|child| if rest.is_empty() { Some(child) } else { child.find(rest) })
    }

    /// Every element at `path`, in document order.
    pub(crate) fn find_all(&self, path: &str) -> Vec<&Element> {
        let mut found = Vec::new();
        self.collect_at(path, &mut found);
        found
    }

    fn collect_at<'a>(&'a self, path: &str, found: &mut Vec<&'a Element>) {
        let (head, rest) = path.split_once('/').unwrap_or((path, ""));
        for child in self.elements().filter(|e| e.name == head) {
            if rest.is_empty() {
                found.push(child);
            } else {
                child.collect_at(rest, found);
            }
        }
    }

    /// All text inside the element with inline markup flattened, as written (whitespace
    /// untouched).
    pub(crate) fn text(&self) -> String {
        let mut out = String::new();
        self.collect_text(&mut out);
        out
    }

    fn collect_text(&self, out: &mut String) {
        for node in &self.children {
            match node {
                Node::Text(t) => out.push_str(t),
                Node::Element(e) => {
                    // PubMed pretty-prints a line break before `<sub>`/`<sup>` in mixed
                    // content ("β\n   <sub>2</sub>-agonist"); it is layout, not a space.
                    if matches!(e.name.as_str(), "sub" | "sup") {
                        out.truncate(out.trim_end().len());
                    }
                    e.collect_text(out);
                }
            }
        }
    }

    /// The element's text, normalised ([`normalize::text`]); `None` when blank.
    pub(crate) fn value(&self) -> Option<String> {
        normalize::text(&self.text())
    }

    /// The normalised text of the first element at `path`.
    pub(crate) fn find_value(&self, path: &str) -> Option<String> {
        self.find(path).and_then(Element::value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_markup_and_cdata_become_text() {
        let tree = parse(
            "<r a=\"x &amp; y\"><t>A &amp; B &lt;C&gt; &#946;&#x3B2; <i>in</i> vivo <![CDATA[<raw>]]> &nbsp;</t><e/></r>",
        )
        .unwrap();
        assert_eq!(tree.root.attr("a"), Some("x & y"));
        assert_eq!(tree.root.find_value("t").as_deref(), Some("A & B <C> ββ in vivo <raw> &nbsp;"));
        assert_eq!(tree.unknown_entities, vec!["nbsp"]);
        assert!(tree.root.find("e").is_some());
    }

    #[test]
    fn paths_search_every_branch() {
        let tree = parse("<r><a><b>1</b></a><a><c>2</c><c>3</c></a></r>").unwrap();
        assert_eq!(tree.root.find_value("a/c").as_deref(), Some("2"));
        let all: Vec<String> = tree.root.find_all("a/c").iter().filter_map(|e| e.value()).collect();
        assert_eq!(all, vec!["2", "3"]);
        assert!(tree.root.find("a/d").is_none());
    }

    #[test]
    fn line_breaks_before_subscripts_are_layout() {
        let tree = parse("<t>fast-acting &#946;\n\t\t<sub>2</sub>-agonist, x<sup>2</sup></t>").unwrap();
        assert_eq!(tree.root.value().as_deref(), Some("fast-acting β2-agonist, x2"));
    }

    #[test]
    fn malformed_records_are_errors_not_panics() {
        for bad in ["<r><a></r>", "<r><a>", "<r>text", "</r>", "", "<r a=\"1></r>", "<r>&#0;</r>x</q>"] {
            // Only the first two need to fail, but none may panic.
            let _ = parse(bad);
        }
        assert!(parse("<r><a></r>").is_err());
        assert!(parse("<r><a>").is_err());
        assert!(parse("<r>a & b</r>").is_ok());
    }
}
