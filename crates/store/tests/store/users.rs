//! Clerk accounts and key slots: every clerk unlocks the same office data offline; an
//! administrator adds, resets and revokes slots without re-encrypting anything.

use std::fs;

use store::{NewUser, Roles, Store, StoreError};

use crate::common::{ADMIN_PASSWORD, CLERK_PASSWORD, add_clerk, at, new_store, options, sample_case};

#[test]
fn every_clerk_opens_the_same_office_data_with_their_own_password() {
    let (dir, mut store, admin) = new_store();
    let clerk = add_clerk(&mut store, &admin, "wang.fang", Roles::ACCEPT | Roles::REVIEW);
    assert_eq!(clerk.roles(), Roles::ACCEPT | Roles::REVIEW, "roles combine");
    let (record, index) = sample_case(1);
    let case_id = store.create_case(&clerk, &record, &index, at(10)).unwrap();
    let db_before = fs::read(Store::db_path(dir.path())).unwrap();
    store.close().unwrap();

    let (mut store, clerk) =
        Store::open_with_options(dir.path(), "wang.fang", CLERK_PASSWORD, at(20), options()).unwrap();
    assert_eq!(clerk.username(), "wang.fang");
    assert_eq!(store.get_case(&clerk, &case_id, at(21)).unwrap().record, record);
    store.close().unwrap();
    let (store, _) =
        Store::open_with_options(dir.path(), "admin", ADMIN_PASSWORD, at(22), options()).unwrap();
    assert!(store.audit_verify().unwrap().is_intact());
    assert!(!db_before.is_empty());
}

#[test]
fn the_password_rule_wants_length_two_kinds_and_nothing_everyone_tries() {
    use store::PasswordWeakness as W;
    for (password, expected) in [
        ("short-1", Some(W::TooShort { min_chars: 8 })),
        ("12345678", Some(W::OneKind)),
        ("qwertyuiop", Some(W::OneKind)),
        ("密码密码密码密码", Some(W::OneKind)),
        ("!@#$%^&*", Some(W::OneKind)),
        ("abc12345", Some(W::Common)),
        ("Admin123", Some(W::Common)),
        ("P@ssw0rd", Some(W::Common)),
        ("woaini1314", Some(W::Common)),
        ("wang.fang", Some(W::IsUserName)),
        ("wang-pass-1", None),
        ("新安江派出所2026", None),
        ("correct horse", None),
    ] {
        assert_eq!(store::password_weakness(password, "wang.fang"), expected, "{password}");
    }
    // The rule holds wherever a password is set: a clerk's own change too.
    let (_dir, mut store, admin) = new_store();
    let mut clerk = add_clerk(&mut store, &admin, "clerk", Roles::ACCEPT);
    let error = store.change_password(&mut clerk, CLERK_PASSWORD, "abcd1234", at(6)).unwrap_err();
    assert!(matches!(error, StoreError::WeakPassword { weakness: W::Common }), "got {error:?}");
    assert!(clerk.password_from_admin(), "nothing changed");
}

#[test]
fn only_an_administrator_manages_accounts() {
    let (_dir, mut store, admin) = new_store();
    let clerk = add_clerk(&mut store, &admin, "clerk", Roles::ACCEPT);
    let new_user =
        NewUser { username: "other", display_name: "Other", roles: Roles::ADMIN, password: CLERK_PASSWORD };
    let error = store.add_user(&clerk, &new_user, at(5)).unwrap_err();
    assert!(matches!(error, StoreError::Forbidden { needed: Roles::ADMIN }), "got {error:?}");
    assert!(matches!(store.revoke_slot(&clerk, "admin", at(5)), Err(StoreError::Forbidden { .. })));
    assert!(matches!(
        store.set_roles(&clerk, "clerk", Roles::ADMIN, at(5)),
        Err(StoreError::Forbidden { .. })
    ));

    let error = store.add_user(&admin, &NewUser { password: "short", ..new_user }, at(5)).unwrap_err();
    assert!(
        matches!(
            error,
            StoreError::WeakPassword { weakness: store::PasswordWeakness::TooShort { min_chars: 8 } }
        ),
        "got {error:?}"
    );
    let error = store.add_user(&admin, &NewUser { username: " CLERK ", ..new_user }, at(5)).unwrap_err();
    assert!(matches!(error, StoreError::UserExists { .. }), "user names compare normalised: {error:?}");
}

#[test]
fn a_revoked_clerk_cannot_log_in_even_with_an_old_copy_of_the_slot_file() {
    let (dir, mut store, admin) = new_store();
    add_clerk(&mut store, &admin, "leaver", Roles::ACCEPT);
    let old_slots = fs::read(Store::key_slots_path(dir.path())).unwrap();
    store.revoke_slot(&admin, "leaver", at(10)).unwrap();
    assert!(matches!(store.login("leaver", CLERK_PASSWORD, at(11)), Err(StoreError::UnknownUser { .. })));
    let leaver = store.users().unwrap().into_iter().find(|user| user.username == "leaver").unwrap();
    assert!(!leaver.active);
    store.close().unwrap();

    fs::write(Store::key_slots_path(dir.path()), old_slots).unwrap();
    let error =
        Store::open_with_options(dir.path(), "leaver", CLERK_PASSWORD, at(12), options()).unwrap_err();
    assert!(matches!(error, StoreError::AccountDisabled { .. }), "the user row says no: {error:?}");
    let (store, _) =
        Store::open_with_options(dir.path(), "admin", ADMIN_PASSWORD, at(13), options()).unwrap();
    let last = store.audit_entries(None, 1000).unwrap().into_iter().rev().nth(1).unwrap();
    assert_eq!(
        (last.action.as_str(), last.details["reason"].as_str()),
        ("login_failed", Some("account_disabled"))
    );
}

#[test]
fn the_last_administrator_cannot_be_revoked_or_demoted() {
    let (_dir, mut store, admin) = new_store();
    assert!(matches!(store.revoke_slot(&admin, "admin", at(1)), Err(StoreError::LastAdmin)));
    assert!(matches!(store.set_roles(&admin, "admin", Roles::ACCEPT, at(1)), Err(StoreError::LastAdmin)));
    add_clerk(&mut store, &admin, "second", Roles::ADMIN);
    store.set_roles(&admin, "admin", Roles::ACCEPT, at(3)).unwrap();
    assert!(
        matches!(
            store.add_slot(&admin, "second", "new-password-1", at(4)),
            Err(StoreError::Forbidden { .. })
        ),
        "roles are re-read from the database, not trusted from the session"
    );
}

#[test]
fn an_administrator_resets_a_password_and_a_clerk_changes_their_own() {
    let (_dir, mut store, admin) = new_store();
    let clerk = add_clerk(&mut store, &admin, "clerk", Roles::ACCEPT);
    assert!(clerk.password_from_admin(), "a new account's password is the administrator's");
    assert!(!admin.password_from_admin(), "the administrator chose their own at set-up");
    store.add_slot(&admin, "clerk", "reset-password-1", at(5)).unwrap();
    assert!(matches!(store.login("clerk", CLERK_PASSWORD, at(6)), Err(StoreError::WrongPassword)));
    let mut clerk = store.login("clerk", "reset-password-1", at(6)).unwrap();
    assert!(clerk.password_from_admin(), "a reset is the administrator's too");

    let error = store.change_password(&mut clerk, "not-my-password", "my-own-password", at(7)).unwrap_err();
    assert!(matches!(error, StoreError::WrongPassword), "got {error:?}");
    assert!(clerk.password_from_admin(), "unchanged by a failed attempt");
    store.change_password(&mut clerk, "reset-password-1", "my-own-password", at(8)).unwrap();
    assert!(!clerk.password_from_admin(), "the session knows at once");
    assert!(
        !store.login("clerk", "my-own-password", at(9)).unwrap().password_from_admin(),
        "and so does the next log-in"
    );
    store.add_slot(&admin, "clerk", "reset-password-2", at(10)).unwrap();
    assert!(store.login("clerk", "reset-password-2", at(11)).unwrap().password_from_admin(), "reset again");
    let actions: Vec<String> =
        store.audit_entries(None, 100).unwrap().into_iter().map(|e| e.action).collect();
    assert!(actions.contains(&"slot_added".to_owned()) && actions.contains(&"password_changed".to_owned()));
    assert!(store.audit_verify().unwrap().is_intact());
}

/// A clerk revoked by mistake (or back from leave) is re-enabled with a new initial
/// password: roles and history kept, the old password gone, audited.
#[test]
fn a_revoked_clerk_is_reenabled_with_a_new_password() {
    let (_dir, mut store, admin) = new_store();
    let clerk = add_clerk(&mut store, &admin, "back", Roles::ACCEPT | Roles::REVIEW);
    assert!(
        matches!(
            store.reenable_user(&admin, "back", "new-password-1", at(5)),
            Err(StoreError::InvalidInput { .. })
        ),
        "an active account is not re-enabled"
    );
    store.revoke_slot(&admin, "back", at(10)).unwrap();
    assert!(matches!(
        store.reenable_user(&clerk, "back", "new-password-1", at(11)),
        Err(StoreError::Forbidden { .. })
    ));
    assert!(matches!(
        store.reenable_user(&admin, "back", "short", at(11)),
        Err(StoreError::WeakPassword { .. })
    ));
    store.reenable_user(&admin, "back", "new-password-1", at(12)).unwrap();
    let back = store.users().unwrap().into_iter().find(|user| user.username == "back").unwrap();
    assert!(back.active);
    assert_eq!(back.roles, Roles::ACCEPT | Roles::REVIEW, "roles kept");
    assert!(store.login("back", CLERK_PASSWORD, at(13)).is_err(), "the old password is gone");
    store.login("back", "new-password-1", at(14)).unwrap();
    let entry = store
        .audit_entries(None, 1000)
        .unwrap()
        .into_iter()
        .find(|entry| entry.action == "user_reenabled")
        .unwrap();
    assert_eq!(entry.details["username"], "back");
    assert!(store.audit_verify().unwrap().is_intact());
}

#[test]
fn a_clerk_holds_at_least_one_role() {
    let (_dir, mut store, admin) = new_store();
    let none =
        NewUser { username: "idle", display_name: "无岗位", roles: Roles::NONE, password: CLERK_PASSWORD };
    assert!(matches!(store.add_user(&admin, &none, at(1)), Err(StoreError::NoRoles)));
    assert!(store.users().unwrap().iter().all(|user| user.username != "idle"), "nothing was added");
    add_clerk(&mut store, &admin, "clerk", Roles::ACCEPT | Roles::REVIEW);
    assert!(matches!(store.set_roles(&admin, "clerk", Roles::NONE, at(3)), Err(StoreError::NoRoles)));
    let clerk = store.users().unwrap().into_iter().find(|user| user.username == "clerk").unwrap();
    assert_eq!(clerk.roles, Roles::ACCEPT | Roles::REVIEW, "the roles are unchanged");
}

#[test]
fn role_keys_round_trip_and_refuse_unknown_keys() {
    let roles = store::Roles::ACCEPT | store::Roles::APPROVE;
    let keys = roles.keys();
    assert_eq!(keys, ["accept", "approve"]);
    assert_eq!(store::Roles::from_keys(&keys), Some(roles));
    assert_eq!(store::Roles::from_keys(&["superuser"]), None);
    assert_eq!(store::Roles::from_keys::<&str>(&[]), Some(store::Roles::NONE));
    assert_eq!(roles.to_string(), "accept+approve");
}
