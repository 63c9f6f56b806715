//! A reader simulated on a pseudo-terminal, for tests without hardware (feature
//! `simulator`): it answers the frame protocol as a reader's security module does, at the
//! line's speed, and fails as readers fail (no card, a card lifted mid-read, a byte
//! damaged on the line, silence).

use std::io::{Read, Write};
use std::path::PathBuf;
use std::thread::JoinHandle;
use std::time::Duration;

use crate::card::resident_text;
use crate::frame::{PREAMBLE, encode};

/// How the simulated reader behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// A card lies on it.
    Card,
    /// A card whose validity ended on 2025-12-01 lies on it.
    ExpiredCard,
    /// Nothing on it.
    NoCard,
    /// The card is found and selected, then lifted while it is read.
    LiftedMidRead,
    /// The basic information arrives with one byte flipped.
    Damaged,
    /// The reader takes the command and never answers.
    Silent,
}

/// The answering thread: it returns the commands it was sent, as (command, parameter).
pub type Answerer = JoinHandle<Vec<(u8, u8)>>;

/// A pseudo-terminal pair: the slave's path (open it as a reader's serial port), and a
/// thread answering on the master as a reader does, with the card of 陈静 on it; the thread
/// ends when the port is closed and returns the commands it was sent. Fails when the
/// system gives no pseudo-terminal.
pub fn simulated_reader(behaviour: Behaviour) -> std::io::Result<(PathBuf, Answerer)> {
    let (slave, master) = pseudo_terminal()?;
    Ok((slave, std::thread::spawn(move || answer(master, move || behaviour))))
}

/// A pseudo-terminal: the slave's path and the master's end.
pub fn pseudo_terminal() -> std::io::Result<(PathBuf, std::fs::File)> {
    use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
    let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY)?;
    grantpt(&master)?;
    unlockpt(&master)?;
    let slave = PathBuf::from(ptsname(&master, Vec::new())?.to_string_lossy().into_owned());
    Ok((slave, std::fs::File::from(master)))
}

/// The text block of the card the simulated readers hold: 陈静's resident ID card, valid
/// until `valid_to` (`YYYYMMDD`).
pub fn card_text(valid_to: &str) -> Vec<u8> {
    resident_text(
        "陈静",
        "2",
        "01",
        "19900307",
        "安徽省阜阳市颍东区向阳路街道幸福村12号",
        "341203199003071227",
        "阜阳市公安局颍东分局",
        ("20150307", valid_to),
    )
}

/// Answers the commands arriving on `line` (a pseudo-terminal's master) as a reader does,
/// behaving as `behaviour` says at each command (so a long-running simulator can have a
/// card placed and lifted), until the line closes; returns the commands it was sent.
pub fn answer(mut line: std::fs::File, behaviour: impl Fn() -> Behaviour) -> Vec<(u8, u8)> {
    let mut asked = Vec::new();
    let mut received = Vec::new();
    let mut buffer = [0_u8; 256];
    while let Ok(read) = line.read(&mut buffer) {
        if read == 0 {
            break;
        }
        received.extend_from_slice(&buffer[..read]);
        // One command frame: preamble, length 3, command, parameter, checksum.
        while let Some(start) = received.windows(5).position(|w| w == PREAMBLE) {
            if received.len() < start + 10 {
                break;
            }
            let command = (received[start + 7], received[start + 8]);
            received.drain(..start + 10);
            asked.push(command);
            let behaviour = behaviour();
            let answer = match (behaviour, command) {
                (Behaviour::Silent, _) => continue,
                (_, (0x11, 0xFF)) => encode(&[0x00, 0x00, 0x90]),
                (Behaviour::NoCard, (0x20, 0x01)) => encode(&[0x00, 0x00, 0x80]),
                (_, (0x20, 0x01)) => encode(&[0x00, 0x00, 0x9F, 0x00, 0x00, 0x00, 0x00]),
                (_, (0x20, 0x02)) => encode(&[0x90, 0x00, 0x90, 0, 0, 0, 0, 0, 0, 0, 0]),
                (Behaviour::LiftedMidRead | Behaviour::NoCard, (0x30, 0x01)) => encode(&[0x00, 0x00, 0x41]),
                (_, (0x30, 0x01)) => {
                    let valid_to = if behaviour == Behaviour::ExpiredCard { "20251201" } else { "20350307" };
                    let mut body = vec![0x90, 0x00, 0x90, 0x01, 0x00, 0x04, 0x00];
                    body.extend_from_slice(&card_text(valid_to));
                    body.extend(std::iter::repeat_n(0x5A, 1024));
                    let mut frame = encode(&body);
                    if behaviour == Behaviour::Damaged {
                        frame[300] ^= 0x10;
                    }
                    frame
                }
                _ => encode(&[0x00, 0x00, 0x21]),
            };
            // At 115200 bps a byte takes about 87 µs: send in chunks at that pace.
            for chunk in answer.chunks(64) {
                if line.write_all(chunk).is_err() {
                    return asked;
                }
                std::thread::sleep(Duration::from_micros(87 * chunk.len() as u64));
            }
        }
    }
    asked
}
