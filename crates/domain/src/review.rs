//! What the reviewer (审核) and the approver (审批) find on a case's scanned pages, and how
//! it becomes a reason for sending the case back (退回补正) that the applicant can act on.
//!
//! A mark is the reviewer's working note on one page while the case waits for their
//! signature; it is not part of the application. When the case is sent back, each marked
//! page offers one reason, written for the applicant, which the reviewer may edit.

use crate::record::EvidenceItem;

/// Why a reviewer cannot rely on a scanned page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PageMark {
    /// 不清晰: the page cannot be read (blurred, dark, cut off).
    Unclear,
    /// 不符: the page does not prove the box it is linked to (another document, another
    /// person, expired).
    Mismatch,
}

impl PageMark {
    /// Every mark, in the order the page viewer offers them.
    pub const ALL: [PageMark; 2] = [PageMark::Unclear, PageMark::Mismatch];

    /// The stored key.
    pub fn key(self) -> &'static str {
        match self {
            PageMark::Unclear => "unclear",
            PageMark::Mismatch => "mismatch",
        }
    }

    /// The mark with this [`key`](Self::key).
    pub fn from_key(key: &str) -> Option<PageMark> {
        PageMark::ALL.into_iter().find(|mark| mark.key() == key)
    }

    /// Its name in the window, on the page's thumbnail.
    pub fn label(self) -> &'static str {
        match self {
            PageMark::Unclear => "不清晰",
            PageMark::Mismatch => "与材料不符",
        }
    }

    /// The reason for sending the case back that a page so marked gives, as one sentence
    /// for the applicant (without the final 。, which the send-back adds): the page by its
    /// position, the box it is linked to (`None`: linked to none), what to bring, and the
    /// reviewer's note when there is one, e.g.
    /// 「第2页（签订劳动合同）不清晰，请重新提供清晰的材料（印章看不清）」.
    pub fn reason(self, position: u32, item: Option<EvidenceItem>, note: &str) -> String {
        let page = match item {
            Some(item) => format!("第{position}页（{}）", item.label()),
            None => format!("第{position}页"),
        };
        let sentence = match self {
            PageMark::Unclear => format!("{page}不清晰，请重新提供清晰的材料"),
            PageMark::Mismatch => match item {
                Some(_) => format!("{page}与所勾选的材料不符，请提供相符的证明材料"),
                None => format!("{page}与所申请的事项不符，请提供相符的证明材料"),
            },
        };
        let note = note.trim().trim_end_matches(['。', '；', ';']);
        if note.is_empty() { sentence } else { format!("{sentence}（{note}）") }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_are_distinct() {
        for mark in PageMark::ALL {
            assert_eq!(PageMark::from_key(mark.key()), Some(mark));
        }
        assert_eq!(PageMark::from_key("blurred"), None);
        assert_ne!(PageMark::Unclear.label(), PageMark::Mismatch.label());
    }

    #[test]
    fn an_unclear_page_names_its_position_item_and_note() {
        assert_eq!(
            PageMark::Unclear.reason(2, Some(EvidenceItem::LabourContract), " 印章看不清。 "),
            "第2页（签订劳动合同）不清晰，请重新提供清晰的材料（印章看不清）"
        );
    }

    #[test]
    fn a_mismatched_page_without_a_note_or_an_item() {
        assert_eq!(
            PageMark::Mismatch.reason(3, Some(EvidenceItem::LeaseContract), ""),
            "第3页（签订租赁合同）与所勾选的材料不符，请提供相符的证明材料"
        );
        assert_eq!(PageMark::Mismatch.reason(1, None, "  "), "第1页与所申请的事项不符，请提供相符的证明材料");
        assert_eq!(PageMark::Unclear.reason(4, None, ""), "第4页不清晰，请重新提供清晰的材料");
    }
}
