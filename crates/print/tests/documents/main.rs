//! The documents (and the register, 台账) rendered for real-looking cases and checked with real tools:
//! `pdftotext` for the words, `pdffonts` for subset fonts, `pdftoppm` + `zbarimg` for the
//! slip's QR code, `pdfinfo` for the template version. The PDFs and PNGs stay in
//! `<target>/tmp/print-documents/` for a person to look at.

mod form;
mod ledger;
mod notice;
mod receipt;
mod rejection;
mod slip;
mod support;
