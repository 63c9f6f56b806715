//! The one-time notice.

use domain::assessment::{Assessment, Decision, NoticeItem, assess};
use domain::profile::PolicyProfile;

use crate::support::*;

fn jiande() -> PolicyProfile {
    PolicyProfile::from_json(include_str!("../../../../assets/profiles/330182-jiande.json")).expect("profile")
}

#[test]
fn notice_lists_every_item_of_the_assessment() {
    let record = example("application-incomplete.json");
    let assessment = assess(&record, &jiande(), day("2025-03-10"));
    assert!(
        assessment.items.len() >= 3,
        "the incomplete example has several items: {:?}",
        assessment.codes()
    );
    let document = renderer().render_notice(&record, &assessment, &notice_data()).expect("notice renders");
    let pdf = write_pdf("notice-incomplete", &document);
    assert_only_subset_fonts(&pdf);
    pdftoppm(&pdf, 100);
    assert!(document.warnings.is_empty(), "{:?}", document.warnings);
    let text = pdftotext(&pdf);
    let squeezed = squeeze(&text);
    for item in &assessment.items {
        assert!(
            squeezed.contains(&squeeze(&item.message)),
            "the notice lists {}: {}\n{text}",
            item.code,
            item.message
        );
    }
    for expected in [
        "一次性告知书",
        "张小雨",
        "341203********0025",
        "海盐县武原街道便民服务中心",
        "0573-86000000",
        "2025年3月10日",
        "李建国",
        "模板notice1.0.0",
    ] {
        assert!(squeezed.contains(expected), "the notice shows {expected}:\n{text}");
    }
}

#[test]
fn a_long_notice_flows_onto_more_pages_with_every_item() {
    let record = complete();
    let items: Vec<NoticeItem> = (1..=45)
        .map(|n| {
            NoticeItem::new(
                format!("field{n}"),
                "TEST",
                format!(
                    "第{n}项：请补充提交居住出租房屋的租赁登记备案证明，并由房东签字确认后一并提交窗口审核。"
                ),
            )
        })
        .collect();
    let assessment = Assessment { decision: Decision::Notice, items };
    let document = renderer().render_notice(&record, &assessment, &notice_data()).expect("renders");
    let pdf = write_pdf("notice-long", &document);
    assert!(document.pages >= 2, "45 items take more than one page");
    let text = pdftotext(&pdf);
    let squeezed = squeeze(&text);
    for n in 1..=45 {
        assert!(squeezed.contains(&format!("第{n}项：")), "item {n} is printed");
    }
    assert!(
        squeezed.contains(&format!("第{}页共{}页", document.pages, document.pages)),
        "page numbers:\n{text}"
    );
}

#[test]
fn an_accepted_assessment_says_nothing_is_missing() {
    let record = complete();
    let assessment = Assessment { decision: Decision::Accept, items: Vec::new() };
    let document = renderer().render_notice(&record, &assessment, &notice_data()).expect("renders");
    let pdf = write_pdf("notice-empty", &document);
    assert!(squeeze(&pdftotext(&pdf)).contains("无需补充"));
}
