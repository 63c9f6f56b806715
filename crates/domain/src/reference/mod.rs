//! Reference tables the form is filled from: GB/T 2260 division codes and GB 3304
//! ethnic groups.
//!
//! The tables arrive as text (the CSV files under `assets/reference/`, embedded by
//! the `app` crate) and are parsed here into lookup structures. Parsing is strict: a
//! broken table is a build-time mistake, so every parser checks the header, the
//! field count, the code shapes and the links between rows, and fails with a
//! [`ReferenceError`] naming the file and line.
//!
//! CSV dialect shared by the files: UTF-8, comma-separated, no quoting (a field with
//! a comma or a quote is refused), lines starting with `#` are comments, and the
//! first other line is the header.

pub mod divisions;
pub mod ethnic;

pub use divisions::{Division, DivisionLevel, DivisionStatus, Divisions};
pub use ethnic::{EthnicGroup, EthnicGroups};

/// A reference table that cannot be parsed. These are developer-facing: the tables
/// are versioned assets, and `cargo test` parses the embedded ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReferenceError {
    /// The file has no header line (it is empty or only comments).
    #[error("{file}: missing header line")]
    MissingHeader {
        /// Which table, e.g. `divisions.csv`.
        file: &'static str,
    },
    /// The header line is not the expected one.
    #[error("{file}: header should be `{expected}`, found `{found}`")]
    Header {
        /// Which table.
        file: &'static str,
        /// The header the parser understands.
        expected: String,
        /// The header found.
        found: String,
    },
    /// A data line has the wrong number of fields, or a field with a quote.
    #[error("{file}:{line}: expected {expected} plain fields, found `{text}`")]
    Fields {
        /// Which table.
        file: &'static str,
        /// 1-based line number.
        line: usize,
        /// Number of columns in the header.
        expected: usize,
        /// The offending line.
        text: String,
    },
    /// A field has an invalid value.
    #[error("{file}:{line}: {problem}")]
    Value {
        /// Which table.
        file: &'static str,
        /// 1-based line number.
        line: usize,
        /// What is wrong, in lowercase words.
        problem: String,
    },
    /// The table as a whole is inconsistent (a missing row, a dangling parent).
    #[error("{file}: {problem}")]
    Table {
        /// Which table.
        file: &'static str,
        /// What is wrong, in lowercase words.
        problem: String,
    },
}

/// One data line of a CSV table: its 1-based line number and its fields.
pub(crate) struct CsvRow<'a> {
    /// 1-based line number in the file, for error messages.
    pub line: usize,
    /// The fields, as many as the header has columns.
    pub fields: Vec<&'a str>,
}

/// Splits `text` into data rows after checking that its header is `header`.
pub(crate) fn parse_csv<'a>(
    file: &'static str,
    text: &'a str,
    header: &[&str],
) -> Result<Vec<CsvRow<'a>>, ReferenceError> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(line_idx, line)| (line_idx + 1, line.trim_end_matches('\r')))
        .filter(|(_, line)| !line.trim().is_empty() && !line.starts_with('#'));
    let Some((_, found)) = lines.next() else {
        return Err(ReferenceError::MissingHeader { file });
    };
    let expected = header.join(",");
    if found.trim_start_matches('\u{feff}') != expected {
        return Err(ReferenceError::Header { file, expected, found: found.to_owned() });
    }
    lines
        .map(|(line, text)| {
            let fields: Vec<&str> = text.split(',').collect();
            if fields.len() != header.len() || text.contains('"') {
                return Err(ReferenceError::Fields {
                    file,
                    line,
                    expected: header.len(),
                    text: text.to_owned(),
                });
            }
            Ok(CsvRow { line, fields })
        })
        .collect()
}

/// True if `text` is exactly `len` ASCII digits.
pub(crate) fn is_digits(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|b| b.is_ascii_digit())
}

/// True if `text` is non-empty lowercase ASCII letters (pinyin initials).
pub(crate) fn is_initials(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Asserts that parsing `text` with header `a,b` gives `expected` (rows as joined fields, or an error).
    fn check(text: &str, expected: Result<Vec<&str>, ReferenceError>) {
        let found = parse_csv("t.csv", text, &["a", "b"])
            .map(|rows| rows.iter().map(|row| row.fields.join("|")).collect::<Vec<_>>());
        let expected = expected.map(|rows| rows.into_iter().map(str::to_owned).collect::<Vec<_>>());
        assert_eq!(found, expected, "parsing {text:?}");
    }

    #[test]
    fn csv_dialect() {
        check("# comment\na,b\n1,2\n\n3,4\r\n", Ok(vec!["1|2", "3|4"]));
        check("\u{feff}a,b\n1,\n", Ok(vec!["1|"]));
        check("# only a comment\n", Err(ReferenceError::MissingHeader { file: "t.csv" }));
        check(
            "a,c\n",
            Err(ReferenceError::Header { file: "t.csv", expected: "a,b".into(), found: "a,c".into() }),
        );
        check(
            "a,b\n1,2,3\n",
            Err(ReferenceError::Fields { file: "t.csv", line: 2, expected: 2, text: "1,2,3".into() }),
        );
        check(
            "a,b\n\"1\",2\n",
            Err(ReferenceError::Fields { file: "t.csv", line: 2, expected: 2, text: "\"1\",2".into() }),
        );
    }
}
