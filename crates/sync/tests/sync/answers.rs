//! The platform's answers are signed (issue 18): a client that knows the platform's key
//! acts only on answers carrying the platform's valid signature. A changed verdict (a man
//! in the middle) or a platform key that is not the platform's stops the drain with
//! `AnswerUnverified` and confirms nothing; the next clean drain confirms everything
//! exactly once.

use std::time::Duration;

use sync::{ClientConfig, Drainer, Jitter, PlatformClient, SyncError};

use crate::support::{assert_platform_holds_exactly, fast_options, identity, queue_cases, setup};

fn client_with_key(url: &str, key: [u8; 32]) -> PlatformClient {
    let mut config = ClientConfig::new(url);
    config.request_timeout = Duration::from_secs(5);
    config.platform_key = Some(key);
    PlatformClient::new(&config, identity()).expect("client")
}

fn platform_key(setup: &crate::support::Setup) -> [u8; 32] {
    let hex_key = setup.server.platform().public_key_hex().expect("the stand-in's key");
    <[u8; 32]>::try_from(hex::decode(hex_key).expect("hex").as_slice()).expect("32 bytes")
}

#[tokio::test]
async fn only_answers_signed_by_the_platform_are_acted_on() {
    let mut setup = setup().await;
    let records = queue_cases(&setup.outbox, 50, 6, 3);
    let key = platform_key(&setup);

    // A key that is not the platform's: the first answer fails its check, nothing is
    // confirmed, and the drain stops for a person.
    let mut wrong = key;
    wrong[0] ^= 0x55;
    let mut drainer =
        Drainer::new(client_with_key(&setup.server.url(), wrong), fast_options(), Jitter::seeded(1));
    let report = drainer.drain(&mut setup.outbox, |_, _| {}).await.expect("drain");
    assert!(
        matches!(report.stopped_by, Some(SyncError::AnswerUnverified { status: 200, signed: true })),
        "{:?}",
        report.stopped_by
    );
    assert_eq!(setup.outbox.counts().confirmed, 0, "nothing confirmed on an unverified answer");

    // The right key, but the answer's body changed on its way (the signature left as it
    // was): refused the same way, still nothing confirmed.
    setup.server.faults().tamper_next(1);
    let mut drainer =
        Drainer::new(client_with_key(&setup.server.url(), key), fast_options(), Jitter::seeded(2));
    let report = drainer.drain(&mut setup.outbox, |_, _| {}).await.expect("drain");
    assert!(matches!(report.stopped_by, Some(SyncError::AnswerUnverified { .. })), "{:?}", report.stopped_by);
    assert_eq!(setup.outbox.counts().confirmed, 0, "a tampered verdict confirms nothing");

    // Clean answers: everything confirmed, each record on the platform once (the earlier
    // pushes it stored come back as duplicates).
    let report = drainer.drain(&mut setup.outbox, |_, _| {}).await.expect("drain");
    assert!(report.stopped_by.is_none(), "{:?}", report.stopped_by);
    assert_eq!(setup.outbox.counts().confirmed, records.len() as u64);
    assert!(report.duplicates > 0, "the refused answers' records were stored by the platform");
    assert_platform_holds_exactly(&setup.server, &records);
}
