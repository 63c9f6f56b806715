//! A reader simulated on a pseudo-terminal: the test holds the master side and answers the
//! frame protocol as a reader's security module does, at the line's speed; the crate opens
//! the slave side as it opens `/dev/ttyUSB0` (raw mode, speed, read timeouts) and reads a
//! card. Then the failures a counter meets: no card, a card lifted mid-read, a byte
//! damaged on the line, a reader that says nothing.

use std::time::{Duration, Instant};

use idcard::frame::FrameError;
use idcard::simulator::{Behaviour, simulated_reader};
use idcard::{CardKind, Reader, ReaderError, Status};

#[test]
fn a_card_on_the_reader_is_read_in_three_steps() {
    let (port, answerer) = simulated_reader(Behaviour::Card).expect("a pseudo-terminal");
    let started = Instant::now();
    let card = {
        let mut reader = Reader::open(&port, 115_200).expect("the port opens");
        reader.check().expect("a working reader answers its status");
        reader.read_card().expect("a card")
    };
    let took = started.elapsed();
    assert_eq!(card.kind, CardKind::ResidentId);
    assert_eq!((card.name.as_str(), card.id_number.as_str()), ("陈静", "341203199003071227"));
    assert_eq!(card.gender_code, "2");
    assert_eq!(card.ethnic_code.as_deref(), Some("01"));
    assert_eq!(card.address.as_deref(), Some("安徽省阜阳市颍东区向阳路街道幸福村12号"));
    assert_eq!(card.authority, "阜阳市公安局颍东分局");
    assert!(took >= Duration::from_millis(100), "1.3 KB at 115200 bps takes over 0.1 s: {took:?}");
    assert!(took < Duration::from_secs(3), "{took:?}");
    assert_eq!(
        answerer.join().expect("the reader"),
        [(0x11, 0xFF), (0x20, 0x01), (0x20, 0x02), (0x30, 0x01)]
    );
}

#[test]
fn no_card_is_said_so_and_nothing_more_is_asked() {
    let (port, answerer) = simulated_reader(Behaviour::NoCard).expect("a pseudo-terminal");
    let error = Reader::open(&port, 115_200).expect("opens").read_card().expect_err("no card");
    assert!(error.is_no_card(), "{error:?}");
    assert!(error.message_zh().contains("没有证件"), "{}", error.message_zh());
    assert_eq!(answerer.join().expect("the reader"), [(0x20, 0x01)]);
}

#[test]
fn a_card_lifted_mid_read_asks_to_read_again() {
    let (port, answerer) = simulated_reader(Behaviour::LiftedMidRead).expect("a pseudo-terminal");
    let error = Reader::open(&port, 115_200).expect("opens").read_card().expect_err("lifted");
    assert!(matches!(error, ReaderError::Status(Status::ReadFailed)), "{error:?}");
    assert!(error.message_zh().contains("再读一次"), "{}", error.message_zh());
    drop(answerer.join());
}

#[test]
fn a_damaged_byte_on_the_line_is_caught_by_the_checksum() {
    let (port, answerer) = simulated_reader(Behaviour::Damaged).expect("a pseudo-terminal");
    let error = Reader::open(&port, 115_200).expect("opens").read_card().expect_err("damaged");
    assert!(matches!(error, ReaderError::Frame(FrameError::Checksum { .. })), "{error:?}");
    assert!(error.message_zh().contains("数据有误"), "{}", error.message_zh());
    drop(answerer.join());
}

#[test]
fn a_silent_reader_times_out_in_words() {
    let (port, answerer) = simulated_reader(Behaviour::Silent).expect("a pseudo-terminal");
    let started = Instant::now();
    let error = Reader::open(&port, 115_200)
        .expect("opens")
        .with_timeout(Duration::from_millis(600))
        .read_card()
        .expect_err("silent");
    assert!(matches!(error, ReaderError::Silent(_)), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    assert!(error.message_zh().contains("没有应答"), "{}", error.message_zh());
    drop(answerer.join());
}

#[test]
fn a_reader_that_is_not_there_is_said_so() {
    let error = Reader::open(std::path::Path::new("/dev/ttyUSB-not-here"), 115_200).expect_err("absent");
    assert!(error.message_zh().contains("找不到读卡器"), "{}", error.message_zh());
}
