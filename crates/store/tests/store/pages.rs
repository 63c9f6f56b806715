//! Scanned pages in the store: attached in order, moved, relinked, replaced, deleted, each
//! change audited, and the image bytes never readable in any file of the store.

use std::fs;

use store::{AuditAction, CaseId, NewPage, PageChange, Roles};

use crate::common::{ADMIN_PASSWORD, add_clerk, at, new_store, options, sample_case};

const MARKER: &[u8] = b"PAGE-IMAGE-MARKER-0123456789";

fn image(n: u8) -> Vec<u8> {
    let mut bytes = MARKER.to_vec();
    bytes.extend(std::iter::repeat_n(n, 64));
    bytes
}

fn page<'a>(jpeg: &'a [u8], evidence: &'a str) -> NewPage<'a> {
    NewPage { evidence, sha256: "ab", mode: "grey", width: 10, height: 20, jpeg, thumbnail: b"thumb" }
}

#[test]
fn pages_keep_their_order_links_and_audit_rows() {
    let (dir, mut store, admin) = new_store();
    let clerk = add_clerk(&mut store, &admin, "wang", Roles::ACCEPT);
    let case_id = CaseId::new(at(3)).unwrap();
    let (record, index) = sample_case(1);
    store.save_draft(&clerk, &case_id, &record, &index, at(3)).unwrap();

    let images: Vec<Vec<u8>> = (1..=3).map(image).collect();
    let ids: Vec<String> = images
        .iter()
        .map(|jpeg| {
            store.add_page(&clerk, &case_id, &page(jpeg, "employment.labour_contract"), at(4)).unwrap()
        })
        .collect();
    let order = |store: &store::Store| -> Vec<String> {
        store.pages(&case_id).unwrap().into_iter().map(|page| page.id).collect()
    };
    assert_eq!(order(&store), ids);
    assert_eq!(store.pages(&case_id).unwrap()[0].bytes, images[0].len() as u64);

    // The last page moves to the front; the others shift down, positions stay 1..=3.
    let moved = store
        .update_page(&clerk, &ids[2], &PageChange { position: Some(1), ..PageChange::default() }, at(5))
        .unwrap();
    assert_eq!(moved.position, 1);
    assert_eq!(order(&store), [ids[2].clone(), ids[0].clone(), ids[1].clone()]);
    let positions: Vec<u32> = store.pages(&case_id).unwrap().iter().map(|page| page.position).collect();
    assert_eq!(positions, [1, 2, 3]);

    // Relink and replace the image (a rotation).
    let rotated = image(9);
    let change = PageChange {
        evidence: Some("residence.rental.lease_contract"),
        image: Some(NewPage { sha256: "cd", width: 20, height: 10, ..page(&rotated, "") }),
        ..PageChange::default()
    };
    let changed = store.update_page(&clerk, &ids[0], &change, at(6)).unwrap();
    assert_eq!(
        (changed.evidence.as_str(), changed.width, changed.sha256.as_str()),
        ("residence.rental.lease_contract", 20, "cd")
    );
    assert_eq!(store.page_image(&clerk, &ids[0], at(6)).unwrap(), rotated);

    // Deleting the middle page closes the gap.
    store.delete_page(&clerk, &ids[0], at(7)).unwrap();
    assert_eq!(order(&store), [ids[2].clone(), ids[1].clone()]);
    let positions: Vec<u32> = store.pages(&case_id).unwrap().iter().map(|page| page.position).collect();
    assert_eq!(positions, [1, 2]);
    assert!(store.page(&ids[0]).is_err(), "a deleted page is gone");

    let actions: Vec<String> =
        store.audit_entries(Some(&case_id), 100).unwrap().into_iter().map(|entry| entry.action).collect();
    for action in
        [AuditAction::PageAdded, AuditAction::PageChanged, AuditAction::PageDeleted, AuditAction::CaseViewed]
    {
        assert!(actions.iter().any(|a| a == action.as_str()), "{} audited: {actions:?}", action.as_str());
    }
    assert!(store.audit_verify().unwrap().is_intact());

    // The image bytes are encrypted at rest: no file of the store holds them.
    store.close().unwrap();
    for entry in fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let bytes = fs::read(&path).unwrap();
            assert!(
                !bytes.windows(MARKER.len()).any(|w| w == MARKER),
                "{} holds a page in plaintext",
                path.display()
            );
        }
    }
}

#[test]
fn a_page_needs_an_existing_case_and_a_known_mode() {
    let (_dir, mut store, admin) = new_store();
    let clerk = add_clerk(&mut store, &admin, "wang", Roles::ACCEPT);
    let missing = CaseId::new(at(3)).unwrap();
    let jpeg = image(1);
    assert!(store.add_page(&clerk, &missing, &page(&jpeg, ""), at(4)).is_err(), "no case, no page");
    let case_id = CaseId::new(at(3)).unwrap();
    let (record, index) = sample_case(2);
    store.save_draft(&clerk, &case_id, &record, &index, at(3)).unwrap();
    let sepia = NewPage { mode: "sepia", ..page(&jpeg, "") };
    assert!(store.add_page(&clerk, &case_id, &sepia, at(4)).is_err());
    assert!(store.pages(&case_id).unwrap().is_empty(), "nothing half-written");
}

#[test]
fn a_page_is_found_by_its_content_hash_for_the_sync() {
    let (_dir, mut store, admin) = new_store();
    let clerk = add_clerk(&mut store, &admin, "wang", Roles::ACCEPT);
    let case_id = CaseId::new(at(3)).unwrap();
    let (record, index) = sample_case(3);
    store.save_draft(&clerk, &case_id, &record, &index, at(3)).unwrap();
    let jpeg = image(7);
    let id = store.add_page(&clerk, &case_id, &NewPage { sha256: "ef01", ..page(&jpeg, "") }, at(4)).unwrap();
    assert_eq!(store.page_bytes_by_hash("ef01").unwrap(), Some(jpeg));
    assert_eq!(store.page_bytes_by_hash("0000").unwrap(), None, "an unknown hash is no page");
    store.delete_page(&clerk, &id, at(5)).unwrap();
    assert_eq!(store.page_bytes_by_hash("ef01").unwrap(), None, "a deleted page is gone for the sync too");
}

/// The pages of a draft go out with its submission, in order, after the state change;
/// pages added or relinked later go out as they happen; a submitted case's pages can no
/// longer be deleted or replaced; a withdrawn draft sends no page.
#[test]
fn pages_are_queued_for_the_platform_once_the_case_is_submitted() {
    use store::{CaseState, OutboxStatus, StateChange, StoreError};
    let (_dir, mut store, admin) = new_store();
    let clerk = add_clerk(&mut store, &admin, "wang", Roles::ACCEPT);
    let (record, index) = sample_case(1);
    let case_id = store.create_case(&clerk, &record, &index, at(1)).unwrap();
    let (first, second) = (image(1), image(2));
    let hash = |n: u8| format!("{n:02x}").repeat(32);
    let (hash_1, hash_2, hash_3) = (hash(1), hash(2), hash(3));
    let page_1 = store
        .add_page(
            &clerk,
            &case_id,
            &NewPage { sha256: &hash_1, ..page(&first, "employment.labour_contract") },
            at(2),
        )
        .unwrap();
    store.add_page(&clerk, &case_id, &NewPage { sha256: &hash_2, ..page(&second, "") }, at(2)).unwrap();
    assert!(store.outbox_pending(100).unwrap().is_empty(), "a draft's pages stay at the counter");

    let accept = StateChange {
        from: CaseState::Draft,
        to: CaseState::Accepted,
        note: None,
        due_date: None,
        profile: None,
    };
    store.transition(&clerk, &case_id, &accept, at(3)).unwrap();
    let queued = store.outbox_pending(100).unwrap();
    let kinds: Vec<&str> = queued.iter().map(|item| item.kind.as_str()).collect();
    assert_eq!(kinds, ["case_state_changed", "page_metadata", "page_metadata"]);
    assert_eq!(queued[1].payload["content_hash"], hash_1.as_str());
    assert_eq!(queued[1].payload["position"], 1);
    assert_eq!(queued[1].payload["evidence"], "employment.labour_contract");
    assert_eq!(queued[1].payload["bytes"], first.len());
    assert_eq!(queued[2].payload["content_hash"], hash_2.as_str());
    assert!(queued.iter().all(|item| item.status == OutboxStatus::Queued && item.case_id == Some(case_id)));
    assert!(queued.windows(2).all(|pair| pair[0].seq < pair[1].seq), "the platform sees them in order");

    // Later pages and relinks follow; deleting or replacing a submitted page is refused.
    let third = image(3);
    store.add_page(&clerk, &case_id, &NewPage { sha256: &hash_3, ..page(&third, "") }, at(4)).unwrap();
    let relink = PageChange { evidence: Some("residence.rental.lease_contract"), ..PageChange::default() };
    store.update_page(&clerk, &page_1, &relink, at(5)).unwrap();
    let queued = store.outbox_pending(100).unwrap();
    assert_eq!(queued.len(), 5);
    assert_eq!(queued[3].payload["action"], "added");
    assert_eq!(queued[3].payload["position"], 3);
    assert_eq!(queued[4].payload["action"], "changed");
    assert_eq!(queued[4].payload["evidence"], "residence.rental.lease_contract");
    assert!(matches!(
        store.delete_page(&clerk, &page_1, at(6)),
        Err(StoreError::PageFrozen { state: CaseState::Accepted })
    ));
    let rotated = image(7);
    let replace = PageChange { image: Some(page(&rotated, "")), ..PageChange::default() };
    assert!(matches!(
        store.update_page(&clerk, &page_1, &replace, at(6)),
        Err(StoreError::PageFrozen { .. })
    ));
    assert_eq!(store.pages(&case_id).unwrap().len(), 3, "nothing was deleted");
    assert_eq!(store.page_bytes_by_hash(&hash_1).unwrap(), Some(first.clone()));

    // A draft given up before submission sends its state change only.
    let (record, index) = sample_case(2);
    let withdrawn = store.create_case(&clerk, &record, &index, at(7)).unwrap();
    store.add_page(&clerk, &withdrawn, &NewPage { sha256: &hash(8), ..page(&image(8), "") }, at(7)).unwrap();
    let withdraw = StateChange {
        from: CaseState::Draft,
        to: CaseState::Withdrawn,
        note: None,
        due_date: None,
        profile: None,
    };
    store.transition(&clerk, &withdrawn, &withdraw, at(8)).unwrap();
    let of_withdrawn: Vec<String> = store
        .outbox_pending(100)
        .unwrap()
        .into_iter()
        .filter(|item| item.case_id == Some(withdrawn))
        .map(|item| item.kind)
        .collect();
    assert_eq!(of_withdrawn, ["case_state_changed"]);
    store.delete_page(&clerk, &store.pages(&withdrawn).unwrap()[0].id.clone(), at(9)).unwrap();
}

/// The sync reads a page's bytes by content hash for every page it uploads: an index
/// lookup, not a scan of every page in the office.
#[test]
fn a_page_is_found_by_its_hash_through_an_index() {
    let (_dir, store, _admin) = new_store();
    let plan: Vec<String> = store
        .raw_connection()
        .prepare("EXPLAIN QUERY PLAN SELECT jpeg FROM pages WHERE sha256 = ?1 LIMIT 1")
        .unwrap()
        .query_map(["ab"], |row| row.get::<_, String>(3))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(plan.iter().any(|line| line.contains("USING INDEX pages_sha256")), "{plan:?}");
}

#[test]
fn a_reviewers_mark_stays_on_its_page_until_cleared_and_its_note_stays_out_of_the_audit() {
    use domain::review::PageMark;
    let (dir, mut store, admin) = new_store();
    let clerk = add_clerk(&mut store, &admin, "wang", Roles::ACCEPT);
    let reviewer = add_clerk(&mut store, &admin, "li", Roles::REVIEW);
    let case_id = CaseId::new(at(3)).unwrap();
    let (record, index) = sample_case(2);
    store.save_draft(&clerk, &case_id, &record, &index, at(3)).unwrap();
    let jpeg = image(1);
    let id = store.add_page(&clerk, &case_id, &page(&jpeg, "employment.labour_contract"), at(4)).unwrap();
    assert_eq!(store.page(&id).unwrap().mark, None);

    let marked = store.mark_page(&reviewer, &id, Some((PageMark::Unclear, " 印章看不清 ")), at(5)).unwrap();
    let mark = marked.mark.expect("marked");
    assert_eq!(
        (mark.mark, mark.note.as_str(), mark.by, mark.at),
        (PageMark::Unclear, "印章看不清", reviewer.user_id(), at(5))
    );

    // Marked again: the newer mark replaces the older.
    store.mark_page(&reviewer, &id, Some((PageMark::Mismatch, "")), at(6)).unwrap();
    drop(store);
    let (mut store, _) =
        store::Store::open_with_options(dir.path(), "admin", ADMIN_PASSWORD, at(6), options()).unwrap();
    let kept = store.pages(&case_id).unwrap()[0].mark.clone().expect("kept across a reopen");
    assert_eq!((kept.mark, kept.note.as_str()), (PageMark::Mismatch, ""));

    let cleared = store.mark_page(&reviewer, &id, None, at(7)).unwrap();
    assert_eq!(cleared.mark, None);

    let marks: Vec<serde_json::Value> = store
        .audit_entries(Some(&case_id), 100)
        .unwrap()
        .into_iter()
        .filter(|entry| entry.action == AuditAction::PageMarked.as_str())
        .map(|entry| entry.details)
        .collect();
    assert_eq!(marks.len(), 3);
    assert!(marks.iter().all(|details| !details.to_string().contains("印章")), "notes stay out: {marks:?}");
    assert!(marks.iter().any(|details| details["from"] == "unclear" && details["to"] == "mismatch"));
    assert!(store.audit_verify().unwrap().is_intact());
}
