//! Annex 1, 《浙江省居住证》互认转换申请表, filled in from an application record and laid
//! out like the paper annex of the Haiyan document: one ruled table in the annex's order,
//! the 18 boxes of the ID number, both recognition-type boxes and every evidence box drawn
//! ticked or empty, the declaration with its signature line, the three opinions with their
//! dates, and the remarks.
//!
//! When the case has scanned pages ([`Renderer::render_form_with_pages`]), a second page
//! lists them: per evidence item, how many pages and, per page, its position and the
//! start of its SHA-256, so the paper in the archive names the electronic proof it
//! goes with.

use domain::record::{
    ApplicationRecord, Condition, EvidenceItem, Opinion, OtherEvidence, RENTAL_HEADING, RecognitionType,
};

use crate::layout::{
    Align, CELL_PAD_X, CELL_PAD_Y, Canvas, LINE_SPACING, PAGE_HEIGHT, PAGE_WIDTH, TextStyle, pt_to_mm,
};
use crate::templates::Template;
use crate::{MARGIN, PrintError, RenderedDocument, Renderer, cn_date, normalise_id};

/// Labels `form.json` must define. The evidence groups and boxes are not among them: their
/// text is the domain's one evidence catalogue ([`EvidenceItem`], [`Condition`]).
pub(crate) const REQUIRED_LABELS: &[&str] = &[
    "application_number",
    "id_number",
    "name",
    "gender",
    "ethnic_group",
    "household_division",
    "household_address",
    "current_address",
    "recognition_type",
    "existing_permit",
    "registration_time",
    "evidence",
    "important",
    "declaration",
    "signature",
    "opinions",
    "acceptance",
    "review",
    "approval",
    "remarks",
    "date_blank",
    "other_description",
    "attachments_title",
    "attachments_item",
    "attachments_pages",
    "attachments_unassigned",
    "attachments_list",
];

/// Texts `form.json` must define.
pub(crate) const REQUIRED_TEXTS: &[&str] = &[
    "important",
    "declaration",
    "remarks",
    "annex_heading",
    "attachments_intro",
    "attachments_page",
    "attachments_count",
];

/// One scanned page of the case, as the form's list of attachments prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachedPage {
    /// Order within the case, from 1.
    pub position: u32,
    /// The evidence box it proves, as its key (`employment.labour_contract`), or empty.
    pub evidence: String,
    /// SHA-256 of the stored image, lowercase hex.
    pub sha256: String,
}

/// Hex digits of each page's SHA-256 printed (64 bits: enough to tell pages apart and
/// to find the page in the archive; the full hash is in the electronic record).
pub const HASH_PREFIX_LEN: usize = 16;

/// Width of the label column, mm.
const LABEL_WIDTH: f32 = 26.0;
/// Label text.
const LABEL: TextStyle = TextStyle::new(10.5, 8.0);
/// Values typed by the clerk.
const VALUE: TextStyle = TextStyle::new(11.0, 7.5);
/// Printed wording (notice, declaration).
const WORDING: TextStyle = TextStyle::new(9.5, 7.5);
/// Checkbox items.
const ITEM_SIZE: f32 = 9.0;
/// Side of a drawn checkbox, mm.
const BOX_SIDE: f32 = 3.2;

impl Renderer {
    /// Renders the filled Annex 1 form of `record` for the applicant's signature and the
    /// archive. Whatever the record holds is printed as typed, valid or not; blank fields
    /// stay blank for handwriting.
    pub fn render_form(&self, record: &ApplicationRecord) -> Result<RenderedDocument, PrintError> {
        self.render_form_with_pages(record, &[])
    }

    /// [`render_form`](Self::render_form), followed, when `pages` is not empty, by a page
    /// listing the scanned pages per evidence item in the form's order (unassigned pages
    /// last): the number of pages and each page's position and SHA-256 prefix.
    pub fn render_form_with_pages(
        &self,
        record: &ApplicationRecord,
        pages: &[AttachedPage],
    ) -> Result<RenderedDocument, PrintError> {
        let template = &self.templates.form;
        let (document, mut canvas) = self.start();
        let x = MARGIN;
        let width = PAGE_WIDTH - 2.0 * MARGIN;
        let value_width = width - LABEL_WIDTH;
        let mut y = 14.0;

        canvas.text_in_line(
            x,
            width,
            y,
            10.0,
            Align::Left,
            &template.text("annex_heading", &[]),
            "annex_heading",
        );
        y += 8.0;
        canvas.text_in_line(x, width, y, 16.0, Align::Centre, &template.title, "title");
        y += 10.0;
        let number = format!("{}{}", template.label("application_number"), record.application_number.trim());
        canvas.text_in_line(x, width, y, 10.5, Align::Left, &number, "application_number");
        y += 4.0;

        // 公民身份号码: one box per character.
        let height = 10.0;
        label_cell(&mut canvas, x, y, LABEL_WIDTH, height, template.label("id_number"));
        id_boxes(&mut canvas, x + LABEL_WIDTH, y, value_width, height, &record.applicant.id_number);
        y += height;

        // 姓名 · 性别 · 民族: room for a two-line name.
        let height = 13.0;
        let applicant = &record.applicant;
        let gender = applicant.gender.map(|g| g.label()).unwrap_or_default();
        let ethnic = if applicant.ethnic_group.trim().is_empty() {
            String::new()
        } else {
            self.names.ethnic_group(applicant.ethnic_group.trim())
        };
        let mut left = x;
        for (width, text, field, is_label) in [
            (LABEL_WIDTH, template.label("name"), "", true),
            (52.0, applicant.name.trim(), "applicant.name", false),
            (18.0, template.label("gender"), "", true),
            (22.0, gender, "applicant.gender", false),
            (18.0, template.label("ethnic_group"), "", true),
            (value_width - 52.0 - 18.0 - 22.0 - 18.0, ethnic.as_str(), "applicant.ethnic_group", false),
        ] {
            if is_label {
                label_cell(&mut canvas, left, y, width, height, text);
            } else {
                let style = if field == "applicant.name" { VALUE.for_names() } else { VALUE };
                value_cell(&mut canvas, left, y, width, height, text, style, Align::Centre, field);
            }
            left += width;
        }
        y += height;

        // 常住户口省县 + 详细地址.
        let height = 22.0;
        let household = &record.household_registration;
        let division = division_text(self, &household.province_code, &household.county_code);
        label_cell(&mut canvas, x, y, LABEL_WIDTH, height, template.label("household_division"));
        value_cell(
            &mut canvas,
            x + LABEL_WIDTH,
            y,
            40.0,
            height,
            &division,
            VALUE,
            Align::Centre,
            "household_registration.county_code",
        );
        label_cell(&mut canvas, x + LABEL_WIDTH + 40.0, y, 18.0, height, template.label("household_address"));
        let address_x = x + LABEL_WIDTH + 58.0;
        value_cell(
            &mut canvas,
            address_x,
            y,
            width - LABEL_WIDTH - 58.0,
            height,
            &household.address,
            VALUE,
            Align::Left,
            "household_registration.address",
        );
        y += height;

        // 现居住住址.
        let height = 16.0;
        label_cell(&mut canvas, x, y, LABEL_WIDTH, height, template.label("current_address"));
        value_cell(
            &mut canvas,
            x + LABEL_WIDTH,
            y,
            value_width,
            height,
            &record.current_address.address,
            VALUE,
            Align::Left,
            "current_address.address",
        );
        y += height;

        // 互认类型: both boxes, one ticked at most.
        let height = 10.0;
        label_cell(&mut canvas, x, y, LABEL_WIDTH, height, template.label("recognition_type"));
        canvas.rect(x + LABEL_WIDTH, y, value_width, height, 0.6);
        let mut left = x + LABEL_WIDTH + 4.0;
        for (kind, key) in [
            (RecognitionType::ExistingPermit, "existing_permit"),
            (RecognitionType::RegistrationTime, "registration_time"),
        ] {
            let ticked = record.recognition_type == Some(kind);
            let used = checkbox_item(
                &mut canvas,
                left,
                y + (height - pt_to_mm(10.5 * LINE_SPACING)) / 2.0,
                60.0,
                10.5,
                template.label(key),
                ticked,
                "recognition_type",
            );
            left += used.0 + 14.0;
        }
        y += height;

        // 证明材料: three groups; the residence group in two sub-columns like the annex.
        y = evidence(&mut canvas, template, record, x, y, width);

        // 重要提示.
        let height = 13.0;
        label_cell(&mut canvas, x, y, LABEL_WIDTH, height, template.label("important"));
        value_cell(
            &mut canvas,
            x + LABEL_WIDTH,
            y,
            value_width,
            height,
            &template.text("important", &[]),
            WORDING,
            Align::Left,
            "important",
        );
        y += height;

        // 申请人声明 + 申请人签名 + date.
        let height = 22.0;
        label_cell(&mut canvas, x, y, LABEL_WIDTH, height, template.label("declaration"));
        canvas.rect(x + LABEL_WIDTH, y, value_width, height, 0.6);
        let inner_x = x + LABEL_WIDTH + CELL_PAD_X;
        let inner_width = value_width - 2.0 * CELL_PAD_X;
        canvas.text_box(
            inner_x,
            y + CELL_PAD_Y,
            inner_width,
            10.0,
            &template.text("declaration", &[]),
            WORDING,
            Align::Left,
            "declaration",
        );
        let sign_y = y + height - 5.0;
        let signature_label = template.label("signature");
        let used = canvas.text_in_line(
            inner_x + 20.0,
            60.0,
            sign_y,
            10.5,
            Align::Left,
            signature_label,
            "signature",
        );
        canvas.line(inner_x + 20.0 + used, sign_y + 2.0, inner_x + 20.0 + used + 38.0, sign_y + 2.0, 0.5);
        let date = record.declaration.date.map_or_else(|| template.label("date_blank").to_owned(), cn_date);
        canvas.text_in_line(inner_x, inner_width, sign_y, 10.5, Align::Right, &date, "declaration.date");
        y += height;

        // 审核部门意见: three opinions with their dates.
        // Room for a handwritten opinion above the name and date.
        let sub_height = 17.0;
        label_cell(&mut canvas, x, y, LABEL_WIDTH, 3.0 * sub_height, template.label("opinions"));
        for (index, (key, opinion, field)) in [
            ("acceptance", &record.opinions.acceptance, "opinions.acceptance"),
            ("review", &record.opinions.review, "opinions.review"),
            ("approval", &record.opinions.approval, "opinions.approval"),
        ]
        .into_iter()
        .enumerate()
        {
            let top = y + index as f32 * sub_height;
            opinion_row(
                &mut canvas,
                template,
                x + LABEL_WIDTH,
                top,
                value_width,
                sub_height,
                template.label(key),
                opinion,
                field,
            );
        }
        y += 3.0 * sub_height;

        // 备注: the archiving rule, then the record's own remarks.
        let height = 14.0;
        let mut remarks = template.text("remarks", &[]);
        if !record.remarks.trim().is_empty() {
            remarks = format!("{remarks}\n{}", record.remarks.trim());
        }
        label_cell(&mut canvas, x, y, LABEL_WIDTH, height, template.label("remarks"));
        value_cell(
            &mut canvas,
            x + LABEL_WIDTH,
            y,
            value_width,
            height,
            &remarks,
            WORDING,
            Align::Left,
            "remarks",
        );

        if !pages.is_empty() {
            attachments(&mut canvas, template, pages);
        }

        let subject = format!("{} {}", template.title, record.application_number.trim());
        let date = record.declaration.date.or(record.opinions.acceptance.date).unwrap_or_default();
        Ok(self.finish(document, canvas, template, &subject, date))
    }
}

/// `安徽省` over `阜阳市颍东区` from the codes (the codes themselves when unknown).
fn division_text(renderer: &Renderer, province: &str, county: &str) -> String {
    let province = province.trim();
    let county = county.trim();
    let names = renderer.names();
    match (province.is_empty(), county.is_empty()) {
        (true, true) => String::new(),
        (false, true) => names.province(province),
        (true, false) => names.division(county),
        (false, false) => format!("{}\n{}", names.province(province), names.county_below_province(county)),
    }
}

/// The list of scanned pages on pages of their own after the annex.
fn attachments(canvas: &mut Canvas<'_>, template: &Template, pages: &[AttachedPage]) {
    let x = MARGIN;
    let width = PAGE_WIDTH - 2.0 * MARGIN;
    let item_width = 62.0;
    let count_width = 16.0;
    let list_width = width - item_width - count_width;
    let pitch = pt_to_mm(VALUE.size * LINE_SPACING);
    let top = 20.0;
    canvas.new_page();
    canvas.text_in_line(
        x,
        width,
        top,
        15.0,
        Align::Centre,
        template.label("attachments_title"),
        "attachments",
    );
    let mut y = top + 8.0;
    let intro = template.text("attachments_intro", &[("pages", &pages.len().to_string())]);
    for line in canvas.wrap(&intro, WORDING.size, width) {
        canvas.text_in_line(x, width, y, WORDING.size, Align::Left, &line, "attachments");
        y += pt_to_mm(WORDING.size * LINE_SPACING);
    }
    y += 2.0;
    let header = |canvas: &mut Canvas<'_>, y: f32| {
        let height = 8.0;
        label_cell(canvas, x, y, item_width, height, template.label("attachments_item"));
        label_cell(canvas, x + item_width, y, count_width, height, template.label("attachments_pages"));
        label_cell(
            canvas,
            x + item_width + count_width,
            y,
            list_width,
            height,
            template.label("attachments_list"),
        );
        y + height
    };
    y = header(canvas, y);
    let mut groups: Vec<(String, Vec<&AttachedPage>)> = Vec::new();
    let keys = EvidenceItem::ALL.iter().map(|item| item.key()).chain(std::iter::once(""));
    for key in keys {
        let mut in_group: Vec<&AttachedPage> = pages
            .iter()
            .filter(|page| {
                if key.is_empty() {
                    EvidenceItem::from_key(&page.evidence).is_none()
                } else {
                    page.evidence == key
                }
            })
            .collect();
        if in_group.is_empty() {
            continue;
        }
        in_group.sort_by_key(|page| page.position);
        // An item's own name (其他就业证明, not the box's bare 其他): the list stands alone.
        let label = match EvidenceItem::from_key(key) {
            Some(item) => item.label(),
            None => template.label("attachments_unassigned"),
        };
        groups.push((label.to_owned(), in_group));
    }
    let bottom = PAGE_HEIGHT - 20.0;
    for (label, group) in groups {
        let lines: Vec<String> = group
            .iter()
            .map(|page| {
                let prefix: String = page.sha256.chars().take(HASH_PREFIX_LEN).collect();
                template.text(
                    "attachments_page",
                    &[("position", &page.position.to_string()), ("sha256", &prefix)],
                )
            })
            .collect();
        let count = template.text("attachments_count", &[("count", &group.len().to_string())]);
        // A long group continues on the next sheet, under the header again.
        let mut rest = lines.as_slice();
        let mut first = true;
        while !rest.is_empty() {
            let room = ((bottom - y - 2.0 * CELL_PAD_Y) / pitch).floor().max(0.0) as usize;
            if room < rest.len().min(2) {
                canvas.new_page();
                y = header(canvas, top);
                continue;
            }
            let (chunk, after) = rest.split_at(room.min(rest.len()));
            let height = (chunk.len() as f32 * pitch + 2.0 * CELL_PAD_Y).max(8.0);
            let (item, pages_text) = if first { (label.as_str(), count.as_str()) } else { ("", "") };
            value_cell(canvas, x, y, item_width, height, item, VALUE, Align::Left, "attachments.item");
            value_cell(
                canvas,
                x + item_width,
                y,
                count_width,
                height,
                pages_text,
                VALUE,
                Align::Centre,
                "attachments.count",
            );
            for (index, line) in chunk.iter().enumerate() {
                let centre = y + CELL_PAD_Y + pitch * (index as f32 + 0.5);
                canvas.text_in_line(
                    x + item_width + count_width + CELL_PAD_X,
                    list_width - 2.0 * CELL_PAD_X,
                    centre,
                    VALUE.size,
                    Align::Left,
                    line,
                    "attachments.page",
                );
            }
            canvas.rect(x + item_width + count_width, y, list_width, height, 0.6);
            y += height;
            rest = after;
            first = false;
        }
    }
}

/// A shaded label cell.
fn label_cell(canvas: &mut Canvas<'_>, x: f32, y: f32, width: f32, height: f32, text: &str) {
    canvas.grey(0.93);
    canvas.fill_rects(&[(x, y, width, height)]);
    canvas.grey(0.0);
    canvas.text_box(
        x + 1.0,
        y + CELL_PAD_Y,
        width - 2.0,
        height - 2.0 * CELL_PAD_Y,
        text,
        LABEL,
        Align::Centre,
        "label",
    );
    canvas.rect(x, y, width, height, 0.6);
}

/// A ruled cell with a fitted value.
#[allow(clippy::too_many_arguments, reason = "a box is four numbers plus what goes in it")]
fn value_cell(
    canvas: &mut Canvas<'_>,
    x: f32,
    y: f32,
    width: f32,
    height: f32,
    text: &str,
    style: TextStyle,
    align: Align,
    field: &str,
) {
    canvas.text_box(
        x + CELL_PAD_X,
        y + CELL_PAD_Y,
        width - 2.0 * CELL_PAD_X,
        height - 2.0 * CELL_PAD_Y,
        text,
        style,
        align,
        field,
    );
    canvas.rect(x, y, width, height, 0.6);
}

/// The 18 boxes of the ID number, filled with the characters as typed (`x` → `X`).
fn id_boxes(canvas: &mut Canvas<'_>, x: f32, y: f32, width: f32, height: f32, raw: &str) {
    let id: Vec<char> = normalise_id(raw).chars().filter(|ch| !ch.is_whitespace()).collect();
    let side = width / 18.0;
    for index in 0..18 {
        let left = x + index as f32 * side;
        canvas.rect(left, y, side, height, if index == 0 { 0.6 } else { 0.4 });
        if let Some(ch) = id.get(index) {
            canvas.text_in_line(
                left,
                side,
                y + height / 2.0,
                12.0,
                Align::Centre,
                &ch.to_string(),
                "applicant.id_number",
            );
        }
    }
    canvas.rect(x, y, width, height, 0.6);
    if id.len() > 18 {
        canvas.note_overflow("applicant.id_number", 18, id.len());
    }
}

/// A checkbox followed by its label wrapped within `width`, the first line's em box
/// starting at `y`. Returns (width used by the widest line, height used).
#[allow(clippy::too_many_arguments, reason = "a box is four numbers plus what goes in it")]
fn checkbox_item(
    canvas: &mut Canvas<'_>,
    x: f32,
    y: f32,
    width: f32,
    size: f32,
    label: &str,
    ticked: bool,
    field: &str,
) -> (f32, f32) {
    let pitch = pt_to_mm(size * LINE_SPACING);
    canvas.checkbox(x, y + (pitch - BOX_SIDE) / 2.0, BOX_SIDE, ticked);
    let text_x = x + BOX_SIDE + 1.2;
    let lines = canvas.wrap(label, size, width - BOX_SIDE - 1.2);
    let mut widest: f32 = 0.0;
    for (index, line) in lines.iter().enumerate() {
        let used = canvas.text_in_line(
            text_x,
            width,
            y + pitch * (index as f32 + 0.5),
            size,
            Align::Left,
            line,
            field,
        );
        widest = widest.max(used);
    }
    (BOX_SIDE + 1.2 + widest, pitch * lines.len() as f32)
}

/// One evidence box; a ticked 「其他」 carries its description.
fn evidence_label(template: &Template, item: EvidenceItem, other: Option<&OtherEvidence>) -> String {
    let label = item.box_label().to_owned();
    match other {
        Some(other) if other.ticked && !other.description.trim().is_empty() => {
            format!(
                "{label}{}",
                crate::templates::fill(
                    template.label("other_description"),
                    &[("description", other.description.trim())]
                )
            )
        }
        _ => label,
    }
}

/// Draws a column of checkbox items from `y`; returns its height.
fn checklist(canvas: &mut Canvas<'_>, x: f32, y: f32, width: f32, items: &[BoxItem]) -> f32 {
    let mut top = y;
    for (label, ticked, field) in items {
        let (_, used) = checkbox_item(canvas, x, top, width, ITEM_SIZE, label, *ticked, field);
        top += used + 0.6;
    }
    top - y
}

/// The height [`checklist`] will take.
fn checklist_height(canvas: &Canvas<'_>, width: f32, items: &[BoxItem]) -> f32 {
    let pitch = pt_to_mm(ITEM_SIZE * LINE_SPACING);
    items
        .iter()
        .map(|(label, _, _)| canvas.wrap(label, ITEM_SIZE, width - BOX_SIDE - 1.2).len() as f32 * pitch + 0.6)
        .sum()
}

/// One drawn checkbox: its label, whether it is ticked, and its record field.
type BoxItem = (String, bool, String);

/// The evidence boxes in the annex's four columns: 合法稳定就业, 合法稳定住所 (own home,
/// dormitory), 居住出租房屋's sub-items, 连续就读 (the standalone 其他 first, as the Haiyan
/// annex's table grid prints it, then the four 学籍证明). Every [`EvidenceItem`] is in
/// exactly one column.
fn evidence_columns(template: &Template, record: &ApplicationRecord) -> [Vec<BoxItem>; 4] {
    let evidence = &record.evidence;
    let item = |item: EvidenceItem| {
        let other = match item {
            EvidenceItem::EmploymentOther => Some(&evidence.employment.other),
            EvidenceItem::RentalOther => Some(&evidence.residence.rental.other),
            EvidenceItem::StudyOther => Some(&evidence.study.other),
            _ => None,
        };
        (evidence_label(template, item, other), item.is_ticked(evidence), item.field())
    };
    let column = |condition: Condition, rental: bool| -> Vec<BoxItem> {
        condition.items().filter(|each| each.is_rental() == rental).map(item).collect()
    };
    [
        column(Condition::Employment, false),
        column(Condition::Residence, false),
        column(Condition::Residence, true),
        column(Condition::Study, false),
    ]
}

/// The 证明材料 block: a header row with the three groups and a row with every box.
/// Returns the y below it.
fn evidence(
    canvas: &mut Canvas<'_>,
    template: &Template,
    record: &ApplicationRecord,
    x: f32,
    y: f32,
    width: f32,
) -> f32 {
    let [employment, residence_own, rental, study] = evidence_columns(template, record);
    let value_width = width - LABEL_WIDTH;
    let employment_width = 35.0;
    let own_width = 27.0;
    let rental_width = 37.0;
    let study_width = value_width - employment_width - own_width - rental_width;
    let header_height = 8.0;
    let pitch = pt_to_mm(ITEM_SIZE * LINE_SPACING);
    let pad = 1.5;
    let needed = [
        checklist_height(canvas, employment_width - 2.0 * pad, &employment),
        checklist_height(canvas, own_width - 2.0 * pad, &residence_own),
        pitch + 0.6 + checklist_height(canvas, rental_width - 2.0 * pad - 2.5, &rental),
        checklist_height(canvas, study_width - 2.0 * pad, &study),
    ]
    .into_iter()
    .fold(0.0_f32, f32::max);
    // The row grows with long 「其他」 descriptions instead of drawing outside its box.
    let content_height = (needed + 4.0).max(30.0);
    label_cell(canvas, x, y, LABEL_WIDTH, header_height + content_height, template.label("evidence"));
    let left = x + LABEL_WIDTH;
    for (offset, width, condition) in [
        (0.0, employment_width, Condition::Employment),
        (employment_width, own_width + rental_width, Condition::Residence),
        (employment_width + own_width + rental_width, study_width, Condition::Study),
    ] {
        canvas.grey(0.96);
        canvas.fill_rects(&[(left + offset, y, width, header_height)]);
        canvas.grey(0.0);
        canvas.text_in_line(
            left + offset,
            width,
            y + header_height / 2.0,
            10.0,
            Align::Centre,
            condition.label(),
            condition.key(),
        );
        canvas.rect(left + offset, y, width, header_height, 0.6);
        canvas.rect(left + offset, y + header_height, width, content_height, 0.6);
    }
    let top = y + header_height + 2.0;
    checklist(canvas, left + pad, top, employment_width - 2.0 * pad, &employment);
    checklist(canvas, left + employment_width + pad, top, own_width - 2.0 * pad, &residence_own);
    // 居住出租房屋 heads its sub-column, its items indented under it.
    let rental_x = left + employment_width + own_width;
    canvas.line(rental_x, y + header_height, rental_x, y + header_height + content_height, 0.4);
    canvas.text_in_line(
        rental_x + pad,
        rental_width,
        top + pitch / 2.0,
        ITEM_SIZE,
        Align::Left,
        RENTAL_HEADING,
        "evidence.residence.rental",
    );
    checklist(canvas, rental_x + pad + 2.5, top + pitch + 0.6, rental_width - 2.0 * pad - 2.5, &rental);
    checklist(
        canvas,
        left + employment_width + own_width + rental_width + pad,
        top,
        study_width - 2.0 * pad,
        &study,
    );
    y + header_height + content_height
}

/// One opinion line: label and text on the left, the person and the date on the right.
#[allow(clippy::too_many_arguments, reason = "a box is four numbers plus what goes in it")]
fn opinion_row(
    canvas: &mut Canvas<'_>,
    template: &Template,
    x: f32,
    y: f32,
    width: f32,
    height: f32,
    label: &str,
    opinion: &Opinion,
    field: &str,
) {
    canvas.rect(x, y, width, height, 0.6);
    let inner_x = x + CELL_PAD_X;
    let label_width = canvas.text_in_line(inner_x, width, y + 4.0, 10.5, Align::Left, label, field);
    let date = opinion.date.map_or_else(|| template.label("date_blank").to_owned(), cn_date);
    let date_width = canvas.measure(&date, 10.5);
    canvas.text_in_line(
        inner_x,
        width - 2.0 * CELL_PAD_X,
        y + height - 4.0,
        10.5,
        Align::Right,
        &date,
        &format!("{field}.date"),
    );
    if !opinion.person.trim().is_empty() {
        canvas.text_in_line(
            inner_x,
            width - 2.0 * CELL_PAD_X - date_width - 4.0,
            y + height - 4.0,
            10.5,
            Align::Right,
            opinion.person.trim(),
            &format!("{field}.person"),
        );
    }
    let text_x = inner_x + label_width + 1.0;
    let text_width = width - 2.0 * CELL_PAD_X - label_width - 1.0;
    canvas.text_box(
        text_x,
        y + 1.0,
        text_width,
        height - 8.0,
        opinion.text.trim(),
        VALUE,
        Align::Left,
        &format!("{field}.text"),
    );
}

#[cfg(test)]
mod tests {
    use domain::record::{ApplicationRecord, EvidenceItem};

    use super::*;
    use crate::Templates;

    #[test]
    fn every_evidence_box_is_drawn_once_with_its_tick() {
        let template = Templates::embedded().expect("embedded templates").form;
        let mut record = ApplicationRecord::new();
        record.evidence.employment.social_insurance = true;
        record.evidence.residence.rental.lease_filing = true;
        record.evidence.residence.rental.other.ticked = true;
        record.evidence.residence.rental.other.description = "村委会居住证明".to_owned();
        record.evidence.study.vocational_school = true;
        let drawn: Vec<BoxItem> = evidence_columns(&template, &record).into_iter().flatten().collect();
        assert_eq!(drawn.len(), EvidenceItem::ALL.len(), "18 boxes, as on the annex");
        for item in EvidenceItem::ALL {
            let found: Vec<&BoxItem> = drawn.iter().filter(|(_, _, field)| *field == item.field()).collect();
            assert_eq!(found.len(), 1, "{} is drawn exactly once", item.field());
            assert_eq!(
                found[0].1,
                item.is_ticked(&record.evidence),
                "{} is ticked as in the record",
                item.field()
            );
        }
        let rental_other = drawn.iter().find(|(_, _, field)| field == "evidence.residence.rental.other");
        assert_eq!(rental_other.map(|(label, _, _)| label.as_str()), Some("其他（村委会居住证明）"));
    }
}
